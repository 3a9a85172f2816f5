// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the mmheap pool engine
 *
 * Copyright (C) 2025 mmheap developers
 *
 * Every test uses pools of its own, so the heap's pool is left alone.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#include "mmheap.h"
#include "mmheap_pool.h"

#define IDX_1M	0
#define IDX_64K	1
#define IDX_4K	2

/* Long enough for an idle thread on a busy UML host; tests pass in ms. */
#define WAIT_MS	10000

struct test_ctx {
	bool memory_short;
	atomic_t prefill_done_calls;
};

static bool test_can_refill(struct mmheap_pool *pool, unsigned int order)
{
	struct test_ctx *ctx = pool->priv;

	return !READ_ONCE(ctx->memory_short);
}

static void test_prefill_done(struct mmheap_pool *pool)
{
	struct test_ctx *ctx = pool->priv;

	atomic_inc(&ctx->prefill_done_calls);
}

static const struct mmheap_pool_ops test_ops = {
	.prefill_done = test_prefill_done,
	.can_refill = test_can_refill,
};

static void test_pool_destroy(void *pool)
{
	mmheap_pool_destroy(pool);
}

static struct mmheap_pool *test_pool(struct kunit *test)
{
	struct test_ctx *ctx;
	struct mmheap_pool *pool;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	pool = mmheap_pool_create("kunit", &test_ops, ctx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   test_pool_destroy,
							   pool));
	return pool;
}

static struct test_ctx *test_pool_ctx(struct mmheap_pool *pool)
{
	return pool->priv;
}

static struct page *test_alloc_chunk(struct kunit *test, unsigned int idx)
{
	unsigned int order = mmheap_orders[idx];
	struct page *page;

	page = alloc_pages(GFP_KERNEL | (order ? __GFP_COMP : 0), order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	return page;
}

static void test_fill_chunk(struct page *page, unsigned int order, int c)
{
	unsigned int i;

	for (i = 0; i < (1U << order); i++) {
		void *addr = kmap_local_page(page + i);

		memset(addr, c, PAGE_SIZE);
		kunmap_local(addr);
	}
}

static bool test_chunk_is_zero(struct page *page, unsigned int order)
{
	bool zero = true;
	unsigned int i;

	for (i = 0; i < (1U << order) && zero; i++) {
		void *addr = kmap_local_page(page + i);

		zero = !memchr_inv(addr, 0, PAGE_SIZE);
		kunmap_local(addr);
	}
	return zero;
}

static void test_free_list(struct list_head *list, unsigned int idx)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, list, lru) {
		list_del(&page->lru);
		__free_pages(page, mmheap_orders[idx]);
	}
}

static void test_put_list(struct mmheap_pool *pool, struct list_head *list,
			  unsigned int idx)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, list, lru) {
		list_del(&page->lru);
		mmheap_pool_put(pool, page, idx);
	}
}

static bool test_wait_for(bool (*cond)(struct mmheap_pool *),
			  struct mmheap_pool *pool, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);

	while (!cond(pool)) {
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(5000, 10000);
	}
	return true;
}

/* Freed chunks are counted dirty, never handed out, then zeroed and clean. */
static void mmheap_test_put_zero_take(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	LIST_HEAD(taken);
	unsigned int i;

	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		struct page *page = test_alloc_chunk(test, i);

		test_fill_chunk(page, mmheap_orders[i], 0xa5);
		mmheap_pool_put(pool, page, i);
	}

	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 256UL + 16 + 1);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 0UL);
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		KUNIT_EXPECT_EQ(test, st.dirty[i], 1UL);
		KUNIT_EXPECT_EQ(test, st.clean[i], 0UL);
		KUNIT_EXPECT_EQ(test, mmheap_pool_take(pool, i, 1, &taken), 0U);
	}
	KUNIT_EXPECT_TRUE(test, list_empty(&taken));
	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_count(pool), 256UL + 16 + 1);

	KUNIT_EXPECT_EQ(test, mmheap_pool_zero_dirty(pool, ULONG_MAX),
			256UL + 16 + 1);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 256UL + 16 + 1);
	KUNIT_EXPECT_EQ(test, st.zeroed_bytes, (256ULL + 16 + 1) * PAGE_SIZE);

	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		struct page *page;

		INIT_LIST_HEAD(&taken);
		KUNIT_EXPECT_EQ(test, mmheap_pool_take(pool, i, 5, &taken), 1U);
		list_for_each_entry(page, &taken, lru)
			KUNIT_EXPECT_TRUE(test,
					  test_chunk_is_zero(page,
							     mmheap_orders[i]));
		test_free_list(&taken, i);
	}
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.hits, 3ULL);
	KUNIT_EXPECT_EQ(test, st.clean_pages + st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_order_index(8), IDX_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_order_index(4), IDX_64K);
	KUNIT_EXPECT_EQ(test, mmheap_pool_order_index(0), IDX_4K);
	KUNIT_EXPECT_EQ(test, mmheap_pool_order_index(9), -EINVAL);
}

/* Pooled pages show up in NR_KERNEL_MISC_RECLAIMABLE, and leave it. */
static void mmheap_test_vmstat(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	/* Per-CPU vmstat deltas below the threshold may not be folded yet. */
	long slack = 2 * 125 * num_online_cpus();
	long before, delta;
	int i;

	before = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE);
	for (i = 0; i < 8; i++)
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_1M), IDX_1M);
	delta = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE) - before;
	KUNIT_EXPECT_GE(test, delta, 8 * 256 - slack);
	KUNIT_EXPECT_LE(test, delta, 8 * 256 + slack);

	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_scan(pool, ULONG_MAX),
			8UL * 256);
	delta = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE) - before;
	KUNIT_EXPECT_GE(test, delta, -slack);
	KUNIT_EXPECT_LE(test, delta, slack);
}

/* Pages written and freed just before come back zeroed, byte for byte. */
static void mmheap_test_reuse_is_zero(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct page *page;
	LIST_HEAD(taken);
	int round, i;

	KUNIT_ASSERT_EQ(test, mmheap_pool_set_prefill(pool, SZ_2M), 0);
	for (round = 0; round < 4; round++) {
		bool blocked = false;

		mmheap_pool_zero_dirty(pool, ULONG_MAX);
		mmheap_pool_refill(pool, ULONG_MAX, &blocked);
		KUNIT_ASSERT_FALSE(test, blocked);
		for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
			INIT_LIST_HEAD(&taken);
			mmheap_pool_take(pool, i, UINT_MAX, &taken);
			list_for_each_entry(page, &taken, lru) {
				KUNIT_EXPECT_TRUE(test,
						  test_chunk_is_zero(page,
								     mmheap_orders[i]));
				test_fill_chunk(page, mmheap_orders[i],
						0x5a + round);
			}
			test_put_list(pool, &taken, i);
		}
		for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
			INIT_LIST_HEAD(&taken);
			KUNIT_EXPECT_EQ(test,
					mmheap_pool_take(pool, i, UINT_MAX,
							 &taken), 0U);
		}
	}
}

/* The refill fills to the target with the largest chunks that fit. */
static void mmheap_test_refill_target(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	bool blocked = false;

	KUNIT_EXPECT_TRUE(test, mmheap_pool_prefill_done(pool));
	mmheap_pool_set_prefill(pool, SZ_2M + SZ_64K + SZ_4K + 1);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool),
			(unsigned long)SZ_2M + SZ_64K + SZ_4K + 1);
	KUNIT_EXPECT_FALSE(test, mmheap_pool_prefill_done(pool));
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 512UL + 16 + 2);

	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			512UL + 16 + 2);
	KUNIT_EXPECT_FALSE(test, blocked);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_1M], 2UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_64K], 1UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_4K], 2UL);
	KUNIT_EXPECT_TRUE(test, mmheap_pool_prefill_done(pool));
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			0UL);

	/* Bounded batches: a batch stops once it has added enough. */
	mmheap_pool_set_prefill(pool, 8 * SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, 1, &blocked), 256UL);
}

/* With memory short the refill takes nothing and says it is blocked. */
static void mmheap_test_refill_backoff(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	bool blocked = false;

	test_pool_ctx(pool)->memory_short = true;
	mmheap_pool_set_prefill(pool, SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			0UL);
	KUNIT_EXPECT_TRUE(test, blocked);
	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_count(pool), 0UL);
}

/* The low watermark is the standing level; the cap bounds everything. */
static void mmheap_test_watermark_cap(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	bool blocked = false;
	int i;

	KUNIT_ASSERT_EQ(test, mmheap_pool_set_cap(pool, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_set_low_watermark(pool, SZ_2M),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_set_low_watermark(pool, SZ_256K), 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_set_cap(pool, SZ_128K), -ERANGE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_cap(pool), (unsigned long)SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_low_watermark(pool),
			(unsigned long)SZ_256K);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 64UL);

	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			64UL);

	/* A prefill above the cap fills to the cap only. */
	mmheap_pool_set_prefill(pool, SZ_4M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 256UL);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 256UL);
	KUNIT_EXPECT_TRUE(test, mmheap_pool_prefill_done(pool));

	/* Frees beyond the cap go back to the page allocator. */
	for (i = 0; i < 4; i++)
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_64K), IDX_64K);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_LE(test, st.clean_pages + st.dirty_pages, 256UL);

	/* Cancelling the prefill lets the pool drain to the watermark. */
	mmheap_pool_set_prefill(pool, 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_trim(pool, ULONG_MAX), 192UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_count(pool), 64UL);
}

/* Move the pool's last use @ms into the past, instead of sleeping. */
static void test_age(struct mmheap_pool *pool, unsigned int ms)
{
	spin_lock(&pool->lock);
	pool->last_use = jiffies - msecs_to_jiffies(ms);
	spin_unlock(&pool->lock);
}

/* A prefill holds for decay_ms after the last use, then drains. */
static void mmheap_test_decay(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	bool blocked = false;

	mmheap_pool_set_low_watermark(pool, SZ_64K);
	mmheap_pool_set_decay_ms(pool, 1000);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_decay_ms(pool), 1000U);
	mmheap_pool_set_prefill(pool, SZ_1M);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_count(pool), 256UL);

	test_age(pool, 900);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 256UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_trim(pool, ULONG_MAX), 0UL);

	/* An allocation restarts the clock. */
	test_age(pool, 1100);
	mmheap_pool_note_alloc(pool, 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 256UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool),
			(unsigned long)SZ_1M);

	test_age(pool, 1100);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 16UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), 0UL);
	KUNIT_EXPECT_TRUE(test, mmheap_pool_prefill_done(pool));
	/* The 1 MiB chunk cannot be split: the whole pool goes. */
	KUNIT_EXPECT_EQ(test, mmheap_pool_trim(pool, ULONG_MAX), 256UL);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_count(pool), 16UL);
}

/* Dirty chunks go first, then clean ones, smallest order first. */
static void mmheap_test_shrinker(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct shrinker *shrinker = pool->shrinker;
	struct mmheap_pool_stats st;
	bool blocked = false;
	int i;

	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc),
			SHRINK_EMPTY);

	mmheap_pool_set_prefill(pool, SZ_1M + 2 * SZ_64K + 2 * SZ_4K);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	for (i = 0; i < 2; i++) {
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_1M), IDX_1M);
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_4K), IDX_4K);
	}
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc),
			3UL * 256 + 2 * 16 + 4);

	/* Two dirty 4 KiB pages, then one dirty 1 MiB chunk. */
	sc.nr_to_scan = 2;
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc), 2UL);
	KUNIT_EXPECT_EQ(test, sc.nr_scanned, 2UL);
	sc.nr_to_scan = 1;
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc), 256UL);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty[IDX_4K], 0UL);
	KUNIT_EXPECT_EQ(test, st.dirty[IDX_1M], 1UL);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 256UL + 2 * 16 + 2);

	/* The last dirty chunk, then clean 4 KiB pages. */
	sc.nr_to_scan = 257;
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc), 257UL);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_4K], 1UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_64K], 2UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_1M], 1UL);

	sc.nr_to_scan = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc),
			256UL + 2 * 16 + 1);
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc),
			SHRINK_STOP);
}

/* Start and stop many times in a row, idle, busy and with work queued. */
static void mmheap_test_thread_restart(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	int i;

	for (i = 0; i < 50; i++) {
		KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
		KUNIT_EXPECT_TRUE(test, mmheap_pool_thread_running(pool));
		/* Starting twice is harmless. */
		KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
		if (i % 3 == 1)
			mmheap_pool_set_prefill(pool, (i % 5) * SZ_64K);
		if (i % 3 == 2)
			usleep_range(1000, 2000);
		mmheap_pool_stop_thread(pool);
		KUNIT_EXPECT_FALSE(test, mmheap_pool_thread_running(pool));
	}
	/* Stopping a stopped thread is harmless. */
	mmheap_pool_stop_thread(pool);
}

static s64 test_stop_ms(struct mmheap_pool *pool)
{
	ktime_t start = ktime_get();

	mmheap_pool_stop_thread(pool);
	return ktime_ms_delta(ktime_get(), start);
}

/*
 * kthread_stop() must not wait for work that will never come: an idle
 * thread and one backing off for memory both stop at once, and stopping
 * leaves no dirty chunk behind, since nobody would zero it.
 */
static void mmheap_test_thread_stop(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	int i;

	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	msleep(50);
	KUNIT_EXPECT_LT(test, test_stop_ms(pool), 1000);

	test_pool_ctx(pool)->memory_short = true;
	mmheap_pool_set_prefill(pool, SZ_1M);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	msleep(50);
	KUNIT_EXPECT_LT(test, test_stop_ms(pool), 1000);
	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_count(pool), 0UL);

	for (i = 0; i < 4; i++)
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_64K), IDX_64K);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	mmheap_pool_stop_thread(pool);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_LE(test, st.clean_pages, 64UL);
}

static bool test_pool_prefill_done(struct mmheap_pool *pool)
{
	return mmheap_pool_prefill_done(pool);
}

/* The thread fills a prefill at SCHED_IDLE and says so once. */
static void mmheap_test_thread_prefill(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	struct page *page;
	LIST_HEAD(taken);

	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	mmheap_pool_set_prefill(pool, 4 * SZ_1M + SZ_64K + SZ_4K);
	KUNIT_ASSERT_TRUE_MSG(test,
			      test_wait_for(test_pool_prefill_done, pool,
					    WAIT_MS),
			      "prefill not reached in %d ms", WAIT_MS);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 4UL * 256 + 16 + 1);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_1M], 4UL);
	KUNIT_EXPECT_GT(test, st.refill_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, st.zeroed_bytes, (4ULL * 256 + 16 + 1) *
			PAGE_SIZE);

	/* The callback runs after the flag is set, give it a moment. */
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&test_pool_ctx(pool)->prefill_done_calls),
			1);
	KUNIT_EXPECT_EQ(test, pool->thread->policy, SCHED_IDLE);

	mmheap_pool_take(pool, IDX_1M, 4, &taken);
	list_for_each_entry(page, &taken, lru)
		KUNIT_EXPECT_TRUE(test, test_chunk_is_zero(page, 8));
	test_put_list(pool, &taken, IDX_1M);
	mmheap_pool_note_alloc(pool, 0);
	/* The freed chunks are zeroed again and the prefill is reached again. */
	KUNIT_EXPECT_TRUE(test, test_wait_for(test_pool_prefill_done, pool,
					      WAIT_MS));
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 4UL * 256 + 16 + 1);
	mmheap_pool_stop_thread(pool);
}

static bool test_pool_drained(struct mmheap_pool *pool)
{
	return mmheap_pool_shrink_count(pool) == 16;
}

/* The thread drains a decayed prefill down to the low watermark. */
static void mmheap_test_thread_decay(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);

	mmheap_pool_set_decay_ms(pool, 100);
	mmheap_pool_set_low_watermark(pool, SZ_64K);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	mmheap_pool_set_prefill(pool, 2 * SZ_1M);
	KUNIT_ASSERT_TRUE(test, test_wait_for(test_pool_prefill_done, pool,
					      WAIT_MS));
	KUNIT_EXPECT_TRUE(test, test_wait_for(test_pool_drained, pool,
					      WAIT_MS));
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), 0UL);
}

/* Several threads allocate, scribble and free while the pool refills. */
struct test_worker {
	struct mmheap_pool *pool;
	struct completion done;
	unsigned int seed;
	int bad;
	int taken;
};

static int test_worker_fn(void *data)
{
	struct test_worker *w = data;
	struct page *page;
	int round;

	for (round = 0; round < 200; round++) {
		unsigned int idx = (w->seed + round) % MMHEAP_NR_ORDERS;
		LIST_HEAD(taken);

		mmheap_pool_take(w->pool, idx, 1 + round % 3, &taken);
		mmheap_pool_note_alloc(w->pool, 0);
		list_for_each_entry(page, &taken, lru) {
			if (!test_chunk_is_zero(page, mmheap_orders[idx]))
				w->bad++;
			test_fill_chunk(page, mmheap_orders[idx], 0xff);
			w->taken++;
		}
		test_put_list(w->pool, &taken, idx);
		cond_resched();
	}
	complete(&w->done);
	return 0;
}

static void mmheap_test_concurrent(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct test_worker w[4];
	struct task_struct *t;
	int i, bad = 0, taken = 0;

	mmheap_pool_set_low_watermark(pool, 4 * SZ_1M);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	mmheap_pool_set_prefill(pool, 4 * SZ_1M);
	KUNIT_ASSERT_TRUE(test, test_wait_for(test_pool_prefill_done, pool,
					      WAIT_MS));

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		w[i].pool = pool;
		w[i].seed = i;
		w[i].bad = 0;
		w[i].taken = 0;
		init_completion(&w[i].done);
		t = kthread_run(test_worker_fn, &w[i], "mmheap_test/%d", i);
		if (IS_ERR(t)) {
			complete(&w[i].done);
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
		}
	}
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		wait_for_completion(&w[i].done);
		bad += w[i].bad;
		taken += w[i].taken;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_GT(test, taken, 0);
	mmheap_pool_stop_thread(pool);
}

static void mmheap_test_parse_bytes(struct kunit *test)
{
	unsigned long v = 42;

	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("4096", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4096UL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("64M\n", &v), 0);
	KUNIT_EXPECT_EQ(test, v, (unsigned long)SZ_64M);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("2k", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 2048UL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("0x1000", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4096UL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("0", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0UL);

	v = 42;
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("\n", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("abc", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("-1", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("12x", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("12\n\n", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("12 ", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("M", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("18446744073709551616", &v),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("17179869184G", &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, v, 42UL);
}

static struct kunit_case mmheap_test_cases[] = {
	KUNIT_CASE(mmheap_test_put_zero_take),
	KUNIT_CASE(mmheap_test_vmstat),
	KUNIT_CASE(mmheap_test_reuse_is_zero),
	KUNIT_CASE(mmheap_test_refill_target),
	KUNIT_CASE(mmheap_test_refill_backoff),
	KUNIT_CASE(mmheap_test_watermark_cap),
	KUNIT_CASE(mmheap_test_decay),
	KUNIT_CASE(mmheap_test_shrinker),
	KUNIT_CASE(mmheap_test_thread_restart),
	KUNIT_CASE(mmheap_test_thread_stop),
	KUNIT_CASE(mmheap_test_thread_prefill),
	KUNIT_CASE(mmheap_test_thread_decay),
	KUNIT_CASE(mmheap_test_concurrent),
	KUNIT_CASE(mmheap_test_parse_bytes),
	{}
};

static struct kunit_suite mmheap_test_suite = {
	.name = "mmheap",
	.test_cases = mmheap_test_cases,
};

kunit_test_suite(mmheap_test_suite);
