/* test_store.c -- unit tests of what collector/store.c decides without a
 * database: which reports may share a batch (store_conflicts), the locks
 * of a batch's matters (store_matter_keys), and when the plans are made
 * again (store_plans_due). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../collector/store.h"

static void	test_independent(void **);
static void	test_same_matter(void **);
static void	test_petitioners(void **);
static void	test_matter_locks(void **);
static void	test_matter_order(void **);

/* A report of grid g and category c by one petitioner (phone, id). */
struct fixture {
	Gr__Report	r;
	Gr__Party	p, q;
	Gr__Party	*parties[2];
};

static void
make(struct fixture *f, char *id, char *g, char *c, char *phone,
    char *idno)
{
	Gr__Report r = GR__REPORT__INIT;
	Gr__Party p = GR__PARTY__INIT, q = GR__PARTY__INIT;

	f->r = r;
	f->p = p;
	f->q = q;
	f->r.id = id;
	f->r.grid_code = g;
	f->r.category = c;
	f->p.has_role = 1;
	f->p.role = GR__PARTY_ROLE__PETITIONER;
	f->p.phone = phone;
	f->p.id_number = idno;
	/* a respondent with the same numbers as anybody: never counts */
	f->q.has_role = 1;
	f->q.role = GR__PARTY_ROLE__RESPONDENT;
	f->q.phone = (char *)(uintptr_t)"13900000000";
	f->parties[0] = &f->p;
	f->parties[1] = &f->q;
	f->r.parties = f->parties;
	f->r.n_parties = 2;
}

static void
test_independent(void **state)
{
	struct fixture a, b;

	(void)state;
	make(&a, "A1", "530322001001001", "10", "13911111111", NULL);
	make(&b, "B1", "530322001001002", "10", "13922222222", NULL);
	assert_false(store_conflicts(&a.r, &b.r));
	make(&b, "B1", "530322001001001", "11", NULL, NULL);
	assert_false(store_conflicts(&a.r, &b.r));
	assert_false(store_conflicts(&b.r, &a.r));
}

static void
test_same_matter(void **state)
{
	struct fixture a, b;

	(void)state;
	make(&a, "A1", "530322001001001", "10", NULL, NULL);
	make(&b, "A1", "530322002001001", "12", NULL, NULL);
	assert_true(store_conflicts(&a.r, &b.r));	/* same id */
	make(&b, "B1", "530322001001001", "10", NULL, NULL);
	assert_true(store_conflicts(&a.r, &b.r));	/* grid and category */
	make(&b, "B1", "530322002001001", "12", NULL, NULL);
	b.r.link_report_id = (char *)(uintptr_t)"A1";
	assert_true(store_conflicts(&a.r, &b.r));	/* links to a */
	assert_false(store_conflicts(&b.r, &a.r));	/* a links to nothing */
}

static void
test_petitioners(void **state)
{
	struct fixture a, b;

	(void)state;
	make(&a, "A1", "530322001001001", "10", "13911111111",
	    "53032219800101001X");
	make(&b, "B1", "530322002001001", "12", "13911111111", NULL);
	assert_true(store_conflicts(&a.r, &b.r));	/* same phone */
	make(&b, "B1", "530322002001001", "12", NULL, "53032219800101001X");
	assert_true(store_conflicts(&a.r, &b.r));	/* same ID number */
	/* the same number as a respondent of a is not the same petitioner */
	make(&b, "B1", "530322002001001", "12", "13900000000", NULL);
	assert_false(store_conflicts(&a.r, &b.r));
}

/* Whether the matter locks of a and b (each stored alone) meet, at least
 * one of the two exclusive: then one waits for the other. */
static int
locks_meet(const Gr__Report *a, const Gr__Report *b)
{
	struct store_item x = { .r = a }, y = { .r = b };
	struct matter_key *ka, *kb;
	size_t na = store_matter_keys(&x, 1, &ka);
	size_t nb = store_matter_keys(&y, 1, &kb);
	int meet = 0;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (ka[i].h == kb[j].h &&
			    (ka[i].exclusive || kb[j].exclusive))
				meet = 1;
	free(ka);
	free(kb);
	return meet;
}

/* The locks meet exactly where the repeat search could link the two. */
static void
matter_as_conflict(const Gr__Report *a, const Gr__Report *b)
{
	int conflict = store_conflicts(a, b) || store_conflicts(b, a);

	assert_int_equal(locks_meet(a, b), conflict);
}

static void
test_matter_locks(void **state)
{
	struct fixture a, b;

	(void)state;
	make(&a, "A1", "530322001001001", "10", "13911111111",
	    "53032219800101001X");
	make(&b, "B1", "530322001001002", "10", "13922222222", NULL);
	matter_as_conflict(&a.r, &b.r);		/* independent */
	make(&b, "A1", "530322002001001", "12", NULL, NULL);
	matter_as_conflict(&a.r, &b.r);		/* same id */
	make(&b, "B1", "530322001001001", "10", NULL, NULL);
	matter_as_conflict(&a.r, &b.r);		/* grid and category */
	make(&b, "B1", "530322001001001", "11", NULL, NULL);
	matter_as_conflict(&a.r, &b.r);		/* grid, not category */
	make(&b, "B1", "530322002001001", "12", "13911111111", NULL);
	matter_as_conflict(&a.r, &b.r);		/* same phone */
	make(&b, "B1", "530322002001001", "12", NULL, "53032219800101001X");
	matter_as_conflict(&a.r, &b.r);		/* same ID number */
	make(&b, "B1", "530322002001001", "12", "13900000000", NULL);
	matter_as_conflict(&a.r, &b.r);		/* a's respondent's number */
	make(&b, "B1", "530322002001001", "12", NULL, NULL);
	b.r.link_report_id = (char *)(uintptr_t)"A1";
	matter_as_conflict(&a.r, &b.r);		/* b links to a */
	assert_true(locks_meet(&a.r, &b.r));
	/* two reports linking to one report: no wait (shared locks) */
	make(&a, "C1", "530322003001001", "13", NULL, NULL);
	a.r.link_report_id = (char *)(uintptr_t)"A1";
	matter_as_conflict(&a.r, &b.r);
	assert_false(locks_meet(&a.r, &b.r));
}

/* A batch's locks: ascending, one per hash, exclusive where any report
 * wants it exclusive. */
static void
test_matter_order(void **state)
{
	struct fixture a, b, c;
	struct store_item it[3];
	struct matter_key *k;
	size_t n;

	(void)state;
	make(&a, "A1", "530322001001001", "10", "13911111111", NULL);
	make(&b, "B1", "530322001001001", "10", "13911111111", NULL);
	make(&c, "C1", "530322002001001", "12", NULL, NULL);
	c.r.link_report_id = (char *)(uintptr_t)"A1";
	memset(it, 0, sizeof(it));
	it[0].r = &c.r;		/* the link to A1 comes first */
	it[1].r = &a.r;
	it[2].r = &b.r;
	n = store_matter_keys(it, 3, &k);
	/* ids A1 B1 C1, two grids, one phone */
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(k[i - 1].h < k[i].h);
		assert_true(k[i].exclusive);	/* A1's own lock is exclusive */
	}
	free(k);
}

/* When the plans are made again for report's size. */
static void
test_plans_due(void **state)
{
	(void)state;
	assert_true(store_plans_due(-1, 0));		/* never looked */
	assert_false(store_plans_due(-1, -1));	/* cannot look */
	assert_false(store_plans_due(40, -1));
	assert_false(store_plans_due(0, 10));		/* ten pages or less */
	assert_true(store_plans_due(0, 11));
	assert_false(store_plans_due(1000, 2010));	/* not yet doubled */
	assert_true(store_plans_due(1000, 2011));
	assert_false(store_plans_due(1000, 1000));
	assert_true(store_plans_due(1000, 999));	/* shrunk: emptied */
	assert_true(store_plans_due(20000, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_independent),
		cmocka_unit_test(test_same_matter),
		cmocka_unit_test(test_petitioners),
		cmocka_unit_test(test_matter_locks),
		cmocka_unit_test(test_matter_order),
		cmocka_unit_test(test_plans_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
