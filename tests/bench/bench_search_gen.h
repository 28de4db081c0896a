/* The seeded data of the search benchmark: who the users are, what every
 * lead looks like, and which queries are asked. The loader
 * (bench_search_load.c) and the query bench (bench_search.c) both include
 * it, so the queries ask for words, tags and owners that the loaded leads
 * really have, and the same seed always gives the same leads.
 *
 * Lead i is a pure function of (seed, i): generating it needs no state, so
 * each user's connection can walk its own leads in any order. */
#ifndef LD_BENCH_SEARCH_GEN_H
#define LD_BENCH_SEARCH_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GEN_TEAMS 5
#define GEN_REPS_PER_TEAM 10
#define GEN_REPS (GEN_TEAMS * GEN_REPS_PER_TEAM)
#define GEN_USERS (GEN_REPS + GEN_TEAMS) /* reps, then one manager per team */
#define GEN_CLIENTS 2000
#define GEN_TAGS 200
#define GEN_USER_PASSWORD "bench-user-password"

/* ---- a small, fast, seedable generator (splitmix64) ---- */

typedef struct {
	uint64_t s;
} gen_rng;

static inline uint64_t gen_next(gen_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). The modulo bias is far below anything measured here. */
static inline uint32_t gen_below(gen_rng *r, uint32_t n)
{
	return (uint32_t)(gen_next(r) % n);
}

/* A stream of its own for (seed, stream, i): leads and queries never share
 * draws, so changing one does not shift the other. */
static inline gen_rng gen_seeded(uint64_t seed, uint64_t stream, uint64_t i)
{
	gen_rng r = {seed * 0x2545f4914f6cdd1dull ^ (stream << 56) ^ i};
	gen_next(&r);
	return r;
}

/* ---- word lists: a display form and the ASCII form used in emails ---- */

typedef struct {
	const char *text;
	const char *ascii;
} gen_word;

static const gen_word gen_company_a[40] = {
	{"Nordwind", "nordwind"},   {"Alpen", "alpen"},         {"Blue Harbor", "blueharbor"},
	{"Crest", "crest"},         {"Forêt", "foret"},         {"Müller", "mueller"},
	{"Ångström", "angstrom"},   {"Česká", "ceska"},         {"Rivière", "riviere"},
	{"Atlas", "atlas"},         {"Boreal", "boreal"},       {"Cobalt", "cobalt"},
	{"Delta", "delta"},         {"Evergreen", "evergreen"}, {"Falcon", "falcon"},
	{"Granite", "granite"},     {"Helios", "helios"},       {"Iberia", "iberia"},
	{"Juniper", "juniper"},     {"Kestrel", "kestrel"},     {"Lumen", "lumen"},
	{"Meridian", "meridian"},   {"Nimbus", "nimbus"},       {"Orion", "orion"},
	{"Pioneer", "pioneer"},     {"Quartz", "quartz"},       {"Rhône", "rhone"},
	{"Sierra", "sierra"},       {"Tundra", "tundra"},       {"Umbra", "umbra"},
	{"Vértice", "vertice"},     {"Westfalen", "westfalen"}, {"Xenon", "xenon"},
	{"Yarrow", "yarrow"},       {"Zénith", "zenith"},       {"Baltic", "baltic"},
	{"Carpathia", "carpathia"}, {"Danube", "danube"},       {"Elbe", "elbe"},
	{"Fjord", "fjord"},
};

static const gen_word gen_company_b[25] = {
	{"Logistik", "logistik"},
	{"Foods", "foods"},
	{"Textiles", "textiles"},
	{"Systems", "systems"},
	{"Motors", "motors"},
	{"Bau", "bau"},
	{"Pharma", "pharma"},
	{"Energie", "energie"},
	{"Retail", "retail"},
	{"Médical", "medical"},
	{"Software", "software"},
	{"Hotels", "hotels"},
	{"Transports", "transports"},
	{"Metall", "metall"},
	{"Chemicals", "chemicals"},
	{"Agro", "agro"},
	{"Finance", "finance"},
	{"Telecom", "telecom"},
	{"Packaging", "packaging"},
	{"Robotics", "robotics"},
	{"Print", "print"},
	{"Studios", "studios"},
	{"Kliniken", "kliniken"},
	{"Marine", "marine"},
	{"Aéro", "aero"},
};

static const char *const gen_legal[10] = {"GmbH", "SA", "Ltd", "BV",  "SARL",
					  "AG",   "Oy", "AB",  "SpA", "SL"};

static const char *const gen_products[40] = {
	"Forklift",   "Conveyor",  "Scanner",   "Printer",    "Router",  "Laptop",      "Server",
	"Firewall",   "Headset",   "Projector", "Tablet",     "Monitor", "Pallet",      "Shelving",
	"Compressor", "Generator", "Turbine",   "Sensor",     "Camera",  "Drone",       "Software",
	"License",    "Training",  "Audit",     "Consulting", "Support", "Maintenance", "Upgrade",
	"Migration",  "Hosting",   "Backup",    "Storage",    "Cabling", "Lighting",    "Furniture",
	"Catering",   "Cleaning",  "Security",  "Insurance",  "Leasing",
};

static const char *const gen_kinds[8] = {"renewal",  "pilot",     "order",       "quote",
					 "contract", "expansion", "replacement", "tender"};

static const gen_word gen_first[40] = {
	{"Anna", "anna"},      {"Zoé", "zoe"},
	{"Jürgen", "juergen"}, {"Łukasz", "lukasz"},
	{"Søren", "soren"},    {"José", "jose"},
	{"Marie", "marie"},    {"Paolo", "paolo"},
	{"Ingrid", "ingrid"},  {"Hélène", "helene"},
	{"Oliver", "oliver"},  {"Sofia", "sofia"},
	{"Mateo", "mateo"},    {"Emma", "emma"},
	{"Lucas", "lucas"},    {"Chloé", "chloe"},
	{"Noah", "noah"},      {"Mia", "mia"},
	{"Leon", "leon"},      {"Elif", "elif"},
	{"Jan", "jan"},        {"Agnès", "agnes"},
	{"Björn", "bjorn"},    {"Carmen", "carmen"},
	{"Dmitri", "dmitri"},  {"Eva", "eva"},
	{"Farid", "farid"},    {"Greta", "greta"},
	{"Hugo", "hugo"},      {"Irene", "irene"},
	{"Jonas", "jonas"},    {"Katarzyna", "katarzyna"},
	{"Lars", "lars"},      {"Marta", "marta"},
	{"Nils", "nils"},      {"Olga", "olga"},
	{"Pierre", "pierre"},  {"Rosa", "rosa"},
	{"Stefan", "stefan"},  {"Teresa", "teresa"},
};

static const gen_word gen_last[40] = {
	{"Schmidt", "schmidt"},     {"Dubois", "dubois"},     {"García", "garcia"},
	{"Rossi", "rossi"},         {"Nowak", "nowak"},       {"Johansson", "johansson"},
	{"Müller", "mueller"},      {"Lefèvre", "lefevre"},   {"Smith", "smith"},
	{"Jensen", "jensen"},       {"Novák", "novak"},       {"Bianchi", "bianchi"},
	{"Fernández", "fernandez"}, {"Kowalski", "kowalski"}, {"Virtanen", "virtanen"},
	{"Martin", "martin"},       {"Bernard", "bernard"},   {"Weber", "weber"},
	{"Costa", "costa"},         {"Silva", "silva"},       {"Horvat", "horvat"},
	{"Popescu", "popescu"},     {"Nagy", "nagy"},         {"Andersen", "andersen"},
	{"De Vries", "devries"},    {"Janssen", "janssen"},   {"Moreau", "moreau"},
	{"Laurent", "laurent"},     {"Fischer", "fischer"},   {"Wagner", "wagner"},
	{"Romano", "romano"},       {"Ricci", "ricci"},       {"Lindqvist", "lindqvist"},
	{"Berg", "berg"},           {"Petit", "petit"},       {"Roux", "roux"},
	{"Ivanova", "ivanova"},     {"Öztürk", "ozturk"},     {"O'Brien", "obrien"},
	{"Walsh", "walsh"},
};

static const char *const gen_roles[6] = {"buyer",       "CEO", "IT lead",
					 "procurement", "CFO", "operations"};

static const char *const gen_tag_a[20] = {
	"emea",       "apac",   "nordics", "dach",   "benelux", "iberia", "uk",
	"us",         "latam",  "france",  "italy",  "poland",  "smb",    "midmarket",
	"enterprise", "public", "retail",  "health", "finance", "edu",
};
static const char *const gen_tag_b[10] = {"2025",   "2026", "event", "webinar",  "renewal",
					  "upsell", "hot",  "cold",  "priority", "partner"};

/* Sources with their weights (percent). */
static const char *const gen_sources[8] = {"web",     "referral", "trade show", "cold call",
					   "partner", "linkedin", "newsletter", "inbound call"};
static const uint8_t gen_source_pct[8] = {30, 15, 10, 15, 10, 10, 5, 5};

/* The status spread, by KPI class (leadd.proto KpiClass 1..6: new,
 * qualified, dead, prospect, lost, won), in percent. */
static const uint8_t gen_class_pct[7] = {0, 40, 20, 20, 8, 5, 7};
/* Percent of leads left unowned in a team's pool (created by its manager). */
#define GEN_POOL_PCT 2

/* ---- names ---- */

static inline void gen_team_name(int t, char *out, size_t n)
{
	snprintf(out, n, "team%d", t + 1);
}

/* Users 0..GEN_REPS-1 are the reps (rep r in team r / GEN_REPS_PER_TEAM),
 * GEN_REPS + t is the manager of team t. */
static inline void gen_user_name(int u, char *out, size_t n)
{
	if (u < GEN_REPS)
		snprintf(out, n, "rep%02d", u + 1);
	else
		snprintf(out, n, "manager%d", u - GEN_REPS + 1);
}

static inline int gen_user_team(int u)
{
	return u < GEN_REPS ? u / GEN_REPS_PER_TEAM : u - GEN_REPS;
}

static inline void gen_tag_name(int k, char *out, size_t n)
{
	snprintf(out, n, "%s-%s", gen_tag_a[k % 20], gen_tag_b[k / 20]);
}

/* 40 x 25 = 1000 (first word, sector) pairs; the two halves of the 2000
 * clients use different legal forms, so every name is distinct. */
static inline void gen_client_name(int c, char *out, size_t n)
{
	int a = c % 40, b = (c / 40) % 25, l = (c / 1000) * 5 + c % 5;
	snprintf(out, n, "%s %s %s", gen_company_a[a].text, gen_company_b[b].text, gen_legal[l]);
}

/* ---- one lead ---- */

#define GEN_MAX_CONTACTS 3
#define GEN_MAX_TAGS 3

typedef struct {
	int user;      /* who creates it: a rep (who owns it) or a manager (pool lead) */
	int kpi_class; /* 1..6 */
	char title[160];
	char client[96];
	char source[24];
	char tags[GEN_MAX_TAGS][32];
	int n_tags;
	struct {
		char name[64];
		char role[24];
		char email[96];
		char phone[32];
	} contacts[GEN_MAX_CONTACTS];
	int n_contacts;
	int has_value;
	int64_t amount_minor;
	char currency[4];
	int64_t next_action_at; /* unix ms; 0: none */
} gen_lead;

static inline int gen_weighted(gen_rng *r, const uint8_t *pct, int n)
{
	int x = (int)gen_below(r, 100);
	for (int i = 0; i < n; i++) {
		if (x < pct[i])
			return i;
		x -= pct[i];
	}
	return n - 1;
}

/* 2026-12-01T00:00Z: next actions fall within a month either side. */
#define GEN_BASE_MS 1796083200000ll
#define GEN_DAY_MS 86400000ll

/* Who creates lead i; r is left where the rest of the lead's draws start. */
static inline int gen_lead_user(uint64_t seed, uint64_t i, gen_rng *r)
{
	*r = gen_seeded(seed, 1, i);
	if (gen_below(r, 100) < GEN_POOL_PCT)
		return GEN_REPS + (int)gen_below(r, GEN_TEAMS);
	return (int)gen_below(r, GEN_REPS);
}

static inline void gen_make_lead(uint64_t seed, uint64_t i, gen_lead *l)
{
	gen_rng r;
	memset(l, 0, sizeof(*l));
	l->user = gen_lead_user(seed, i, &r);
	l->kpi_class = gen_weighted(&r, gen_class_pct, 7);

	int c = (int)gen_below(&r, GEN_CLIENTS);
	gen_client_name(c, l->client, sizeof(l->client));
	const char *a = gen_company_a[c % 40].text, *b = gen_company_b[(c / 40) % 25].text;
	snprintf(l->title, sizeof(l->title), "%s %s for %s %s", gen_products[gen_below(&r, 40)],
		 gen_kinds[gen_below(&r, 8)], a, b);
	snprintf(l->source, sizeof(l->source), "%s",
		 gen_sources[gen_weighted(&r, gen_source_pct, 8)]);

	l->n_tags = (int)gen_below(&r, GEN_MAX_TAGS + 1);
	int picked[GEN_MAX_TAGS];
	for (int k = 0; k < l->n_tags; k++) {
		int t;
		int dup;
		do {
			t = (int)gen_below(&r, GEN_TAGS);
			dup = 0;
			for (int j = 0; j < k; j++)
				dup |= picked[j] == t;
		} while (dup);
		picked[k] = t;
		gen_tag_name(t, l->tags[k], sizeof(l->tags[k]));
	}

	char domain[48];
	snprintf(domain, sizeof(domain), "%s-%s.example", gen_company_a[c % 40].ascii,
		 gen_company_b[(c / 40) % 25].ascii);
	l->n_contacts = 1 + (int)gen_below(&r, GEN_MAX_CONTACTS);
	for (int k = 0; k < l->n_contacts; k++) {
		const gen_word *f = &gen_first[gen_below(&r, 40)],
			       *s = &gen_last[gen_below(&r, 40)];
		snprintf(l->contacts[k].name, sizeof(l->contacts[k].name), "%s %s", f->text,
			 s->text);
		snprintf(l->contacts[k].role, sizeof(l->contacts[k].role), "%s",
			 gen_roles[gen_below(&r, 6)]);
		snprintf(l->contacts[k].email, sizeof(l->contacts[k].email), "%s.%s@%s", f->ascii,
			 s->ascii, domain);
		snprintf(l->contacts[k].phone, sizeof(l->contacts[k].phone), "+%u %u %03u %04u",
			 30 + gen_below(&r, 20), 1 + gen_below(&r, 9), gen_below(&r, 1000),
			 gen_below(&r, 10000));
	}

	if (gen_below(&r, 100) < 85) {
		l->has_value = 1;
		/* EUR mostly; amounts spread over 500 .. ~250,000 (log-ish). */
		snprintf(l->currency, sizeof(l->currency), "%s",
			 gen_below(&r, 100) < 88 ? "EUR" : "USD");
		int64_t scale = 500;
		for (int k = gen_below(&r, 9); k > 0; k--)
			scale *= 2;
		l->amount_minor = (scale + (int64_t)gen_below(&r, (uint32_t)scale)) * 100;
	}
	/* Open leads mostly have a next action; closed ones rarely. */
	if (gen_below(&r, 100) < (l->kpi_class == 3 || l->kpi_class >= 5 ? 10 : 70))
		l->next_action_at = GEN_BASE_MS + ((int64_t)gen_below(&r, 61) - 30) * GEN_DAY_MS;
}

/* ---- queries ---- */

/* A two-word text query that leads really match: a product and the first
 * letters of a company word, or a contact's first name and the start of a
 * last name. Words are ASCII or accented as people type them. */
static inline void gen_text_query(gen_rng *r, char *out, size_t n)
{
	if (gen_below(r, 2)) {
		const char *p = gen_products[gen_below(r, 40)];
		const char *a = gen_company_a[gen_below(r, 40)].ascii;
		snprintf(out, n, "%s %.4s", p, a);
	} else {
		const gen_word *f = &gen_first[gen_below(r, 40)], *s = &gen_last[gen_below(r, 40)];
		snprintf(out, n, "%s %.3s", f->text, s->text);
	}
}

#endif
