#include "prelogin.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"

#define BUCKETS 1024

struct prelogin_source {
	char key[AUTH_SOURCE_MAX];
	uint32_t count;
	prelogin_link *head, *tail;   /* its connections, oldest first */
	prelogin_source *bucket_next; /* hash chain */
	prelogin_source *prev, *next; /* every source with a connection */
};

struct prelogin_table {
	prelogin_source *buckets[BUCKETS];
	prelogin_source *all;
	uint32_t total;
};

static size_t bucket_of(const char *key)
{
	return (size_t)(auth_key_hash(key) % BUCKETS);
}

prelogin_table *prelogin_new(void)
{
	return calloc(1, sizeof(prelogin_table));
}

void prelogin_free(prelogin_table *t)
{
	if (!t)
		return;
	while (t->all) {
		prelogin_source *s = t->all;
		t->all = s->next;
		free(s);
	}
	free(t);
}

uint32_t prelogin_total(const prelogin_table *t)
{
	return t->total;
}

static prelogin_source *find(const prelogin_table *t, const char *source)
{
	for (prelogin_source *s = t->buckets[bucket_of(source)]; s; s = s->bucket_next)
		if (strcmp(s->key, source) == 0)
			return s;
	return NULL;
}

uint32_t prelogin_count(const prelogin_table *t, const char *source)
{
	const prelogin_source *s = find(t, source);
	return s ? s->count : 0;
}

int prelogin_add(prelogin_table *t, prelogin_link *l, const char *source, void *conn)
{
	prelogin_source *s = find(t, source);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		size_t b = bucket_of(source);
		size_t n = strlen(source);
		n = n < sizeof(s->key) ? n : sizeof(s->key) - 1;
		memcpy(s->key, source, n);
		s->bucket_next = t->buckets[b];
		t->buckets[b] = s;
		s->next = t->all;
		if (t->all)
			t->all->prev = s;
		t->all = s;
	}
	l->conn = conn;
	l->src = s;
	l->next = NULL;
	l->prev = s->tail;
	if (s->tail)
		s->tail->next = l;
	else
		s->head = l;
	s->tail = l;
	s->count++;
	t->total++;
	return 0;
}

void prelogin_remove(prelogin_table *t, prelogin_link *l)
{
	prelogin_source *s = l->src;
	if (!s)
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		s->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		s->tail = l->prev;
	l->prev = l->next = NULL;
	l->src = NULL;
	t->total--;
	if (--s->count)
		return;
	prelogin_source **pp = &t->buckets[bucket_of(s->key)];
	while (*pp != s)
		pp = &(*pp)->bucket_next;
	*pp = s->bucket_next;
	if (s->prev)
		s->prev->next = s->next;
	else
		t->all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
}

void *prelogin_victim(const prelogin_table *t, uint32_t at_least)
{
	const prelogin_source *most = NULL;
	for (const prelogin_source *s = t->all; s; s = s->next)
		if (!most || s->count > most->count)
			most = s;
	return most && most->count >= at_least ? most->head->conn : NULL;
}
