#include "permissions.h"

#include "dispatch.h"

static const char *visibility_name(visibility_t v)
{
	switch (v) {
	case VIS_NONE:
		return "none";
	case VIS_OWN_LEAD:
		return "own lead";
	case VIS_TEAM:
		return "team";
	case VIS_ALL:
		return "all";
	}
	return "?";
}

void permissions_write_markdown(FILE *out)
{
	fputs("# Permissions\n"
	      "\n"
	      "Generated from the request table in `server/dispatch.c` by\n"
	      "`leadd permissions`; the ctest `permissions_doc_matches_table` fails when the two "
	      "differ.\n"
	      "\n"
	      "- **lowest role**: the least role that may send the request (`none`: before\n"
	      "  login). Roles rank rep < manager < admin; a lower role gets\n"
	      "  `PERMISSION_DENIED`, no login gets `UNAUTHENTICATED`.\n"
	      "- **visibility**: `own lead` — the request names one lead, which the caller must\n"
	      "  be allowed to see (a rep: leads they own; a manager: their teams' leads; an\n"
	      "  admin: all), else `NOT_FOUND` exactly as if it did not exist; `team` — a list\n"
	      "  filtered to what the caller may see; `all` — not filtered (admin only);\n"
	      "  `none` — touches no lead.\n"
	      "- **writes**: runs on the writer thread, in a group commit.\n"
	      "\n"
	      "| request | lowest role | visibility | writes |\n"
	      "|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < dispatch_table_len; i++) {
		const dispatch_entry *e = &dispatch_table[i];
		fprintf(out, "| %s | %s | %s | %s |\n", e->name, role_name(e->min_role),
			visibility_name(e->visibility), e->writes ? "yes" : "no");
	}
}
