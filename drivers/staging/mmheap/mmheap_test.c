// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for mmheap: the pool engine and the heap
 *
 * Copyright (C) 2025 mmheap developers
 *
 * The pool tests use pools of their own, so the heap's pool is left alone;
 * the heap tests use the heap and put its settings back.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/irq_work.h>
#include <linux/iosys-map.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/shrinker.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "mmheap.h"
#include "mmheap_pool.h"

#define IDX_1M	0
#define IDX_64K	1
#define IDX_4K	2

/*
 * Outcomes that must happen get this long: an idle thread on a busy UML
 * host or a debug kernel may wait seconds for a CPU. They pass in ms.
 */
#define WAIT_MS	10000

struct test_ctx {
	bool memory_short;
	atomic_t refill_checks;
	atomic_t idle_refill_checks;
	atomic_t state_changes;
	atomic_t done_seen;
	int last_state;
};

static bool test_can_refill(struct mmheap_pool *pool, unsigned int order)
{
	struct test_ctx *ctx = pool->priv;

	/* Called right before each of the refill's page allocations. */
	atomic_inc(&ctx->refill_checks);
	if (current->policy == SCHED_IDLE)
		atomic_inc(&ctx->idle_refill_checks);
	return !READ_ONCE(ctx->memory_short);
}

static void test_state_changed(struct mmheap_pool *pool)
{
	struct test_ctx *ctx = pool->priv;

	WRITE_ONCE(ctx->last_state, mmheap_pool_prefill_state(pool));
	atomic_inc(&ctx->state_changes);
	if (ctx->last_state == MMHEAP_PREFILL_DONE)
		atomic_inc(&ctx->done_seen);
}

static const struct mmheap_pool_ops test_ops = {
	.state_changed = test_state_changed,
	.can_refill = test_can_refill,
};

static void test_pool_destroy(void *pool)
{
	mmheap_pool_destroy(pool);
}

static struct mmheap_pool *test_pool_caching(struct kunit *test,
					     enum mmheap_caching caching)
{
	struct test_ctx *ctx;
	struct mmheap_pool *pool;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	pool = mmheap_pool_create("kunit", caching, &test_ops, ctx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   test_pool_destroy,
							   pool));
	return pool;
}

static struct mmheap_pool *test_pool(struct kunit *test)
{
	return test_pool_caching(test, MMHEAP_CACHED);
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

static unsigned long test_pool_pages(struct mmheap_pool *pool)
{
	return mmheap_pool_shrink_count(pool);
}

/* Polls a condition that must come true; the poll is not the proof. */
static bool test_wait_for(bool (*cond)(struct mmheap_pool *),
			  struct mmheap_pool *pool, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);

	while (!cond(pool)) {
		if (time_after(jiffies, deadline))
			return cond(pool);
		usleep_range(2000, 4000);
	}
	return true;
}

static bool test_state_done(struct mmheap_pool *pool)
{
	return mmheap_pool_prefill_state(pool) == MMHEAP_PREFILL_DONE;
}

static bool test_state_blocked(struct mmheap_pool *pool)
{
	return mmheap_pool_prefill_state(pool) == MMHEAP_PREFILL_BLOCKED;
}

static bool test_state_expired(struct mmheap_pool *pool)
{
	return mmheap_pool_prefill_state(pool) == MMHEAP_PREFILL_EXPIRED;
}

static bool test_done_notified(struct mmheap_pool *pool)
{
	return atomic_read(&test_pool_ctx(pool)->done_seen) > 0;
}

/* Move the request's last use @ms into the past, instead of sleeping. */
static void test_age(struct mmheap_pool *pool, unsigned int ms)
{
	raw_spin_lock(&pool->lock);
	pool->last_use = jiffies - msecs_to_jiffies(ms);
	raw_spin_unlock(&pool->lock);
}

/* Freed chunks the pool keeps are dirty, never handed out, then zeroed. */
static void mmheap_test_put_zero_take(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	LIST_HEAD(taken);
	unsigned int i;

	mmheap_pool_set_prefill(pool, SZ_1M + SZ_64K + SZ_4K);
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
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_PENDING);

	KUNIT_EXPECT_EQ(test, mmheap_pool_zero_dirty(pool, ULONG_MAX),
			256UL + 16 + 1);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 256UL + 16 + 1);
	KUNIT_EXPECT_EQ(test, st.zeroed_bytes, (256ULL + 16 + 1) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_DONE);

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

/*
 * With no request and no watermark, a freed buffer goes straight back to
 * the page allocator, all of it; with a target, only what fills it stays.
 */
static void mmheap_test_put_above_target(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	LIST_HEAD(chunks);
	int i;

	for (i = 0; i < 4; i++)
		list_add_tail(&test_alloc_chunk(test, IDX_1M)->lru, &chunks);
	mmheap_pool_put_list(pool, &chunks, false);
	KUNIT_EXPECT_TRUE(test, list_empty(&chunks));
	KUNIT_EXPECT_EQ(test, test_pool_pages(pool), 0UL);

	/* 2 MiB + 64 KiB of room: two 1 MiB chunks and one 64 KiB fit. */
	KUNIT_ASSERT_EQ(test, mmheap_pool_set_low_watermark(pool,
							    SZ_2M + SZ_64K),
			0);
	for (i = 0; i < 4; i++)
		list_add_tail(&test_alloc_chunk(test, IDX_1M)->lru, &chunks);
	for (i = 0; i < 4; i++)
		list_add_tail(&test_alloc_chunk(test, IDX_64K)->lru, &chunks);
	mmheap_pool_put_list(pool, &chunks, false);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty[IDX_1M], 2UL);
	KUNIT_EXPECT_EQ(test, st.dirty[IDX_64K], 1UL);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 512UL + 16);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 0UL);

	/* Known-zero chunks (an allocation's error path) go back clean. */
	mmheap_pool_set_low_watermark(pool, SZ_4M);
	list_add_tail(&test_alloc_chunk(test, IDX_1M)->lru, &chunks);
	mmheap_pool_put_list(pool, &chunks, true);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_1M], 1UL);
}

/* Pooled pages show up in NR_KERNEL_MISC_RECLAIMABLE, and leave it. */
static void mmheap_test_vmstat(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	/* Per-CPU vmstat deltas below the threshold may not be folded yet. */
	long slack = 2 * 125 * num_online_cpus();
	/*
	 * Enough that an engine accounting nothing cannot pass, and more
	 * than one batch of take, each batch beyond the slack on its own.
	 */
	long chunks = MMHEAP_LOCK_BATCH + DIV_ROUND_UP(2 * slack, 256) + 4;
	struct page *page, *tmp;
	long before, delta, i;
	LIST_HEAD(taken);

	KUNIT_ASSERT_EQ(test, mmheap_pool_set_prefill(pool, chunks * SZ_1M),
			0);
	before = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE);
	for (i = 0; i < chunks; i++) {
		page = test_alloc_chunk(test, IDX_1M);
		test_fill_chunk(page, mmheap_orders[IDX_1M], 0);
		list_add_tail(&page->lru, &taken);
	}
	mmheap_pool_put_list(pool, &taken, true);
	KUNIT_ASSERT_EQ(test, test_pool_pages(pool), chunks * 256UL);
	delta = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE) - before;
	KUNIT_EXPECT_GE(test, delta, chunks * 256 - slack);
	KUNIT_EXPECT_LE(test, delta, chunks * 256 + slack);

	/* Chunks handed out leave the count, in every batch. */
	KUNIT_ASSERT_EQ(test, mmheap_pool_take(pool, IDX_1M, chunks, &taken),
			(unsigned int)chunks);
	delta = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE) - before;
	KUNIT_EXPECT_GE(test, delta, -slack);
	KUNIT_EXPECT_LE(test, delta, slack);

	/* Back one at a time, as freed chunks: counted again. */
	list_for_each_entry_safe(page, tmp, &taken, lru) {
		list_del(&page->lru);
		mmheap_pool_put(pool, page, IDX_1M);
	}
	KUNIT_ASSERT_EQ(test, test_pool_pages(pool), chunks * 256UL);
	delta = global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE) - before;
	KUNIT_EXPECT_GE(test, delta, chunks * 256 - slack);
	KUNIT_EXPECT_LE(test, delta, chunks * 256 + slack);

	KUNIT_EXPECT_EQ(test, mmheap_pool_shrink_scan(pool, ULONG_MAX),
			chunks * 256UL);
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
			mmheap_pool_put_list(pool, &taken, false);
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

	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_NONE);
	mmheap_pool_set_prefill(pool, SZ_2M + SZ_64K + SZ_4K + 1);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool),
			(u64)(512 + 16 + 2) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_PENDING);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 512UL + 16 + 2);

	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			512UL + 16 + 2);
	KUNIT_EXPECT_FALSE(test, blocked);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_1M], 2UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_64K], 1UL);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_4K], 2UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_DONE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			0UL);

	/* Bounded batches: a batch never adds more than it was allowed. */
	mmheap_pool_set_prefill(pool, 8 * SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, 256, &blocked), 256UL);
	/* A huge request is clamped, not wrapped round to nothing. */
	mmheap_pool_set_prefill(pool, U64_MAX);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), pool->cap_pages);
	KUNIT_EXPECT_EQ(test, mmheap_pool_set_low_watermark(pool, U64_MAX),
			-ERANGE);
}

/*
 * A prefill is consumed by the allocations it was for: once they took the
 * pool's pages, the target falls with them and nothing is refilled.
 */
static void mmheap_test_prefill_consumed(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	bool blocked = false;
	LIST_HEAD(taken);

	mmheap_pool_set_prefill(pool, 4 * SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			1024UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_take(pool, IDX_1M, 3, &taken), 3U);
	mmheap_pool_note_alloc(pool, 3 * 256, 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 256UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			0UL);
	KUNIT_EXPECT_EQ(test, test_pool_pages(pool), 256UL);

	/* Freeing the buffers does not bring the prefill back either. */
	mmheap_pool_put_list(pool, &taken, false);
	KUNIT_EXPECT_EQ(test, test_pool_pages(pool), 256UL);

	/* An allocation from elsewhere (a miss) consumes the rest. */
	mmheap_pool_note_alloc(pool, 256, 1);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), 0ULL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_NONE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_trim(pool, ULONG_MAX), 256UL);
}

/* The owner is told of the state each change leads to. */
static int test_told(struct mmheap_pool *pool)
{
	irq_work_sync(&pool->notify_irq_work);
	flush_work(&pool->notify_work);
	return READ_ONCE(test_pool_ctx(pool)->last_state);
}

/* Every state change is told; reading the state never changes it. */
static void mmheap_test_prefill_states(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct test_ctx *ctx = test_pool_ctx(pool);
	bool blocked = false, lazy, queued;
	int n;

	mmheap_pool_set_decay_ms(pool, 1000);
	mmheap_pool_set_prefill(pool, SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_PENDING);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_PENDING);
	n = atomic_read(&ctx->state_changes);

	ctx->memory_short = true;
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			0UL);
	KUNIT_EXPECT_TRUE(test, blocked);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_BLOCKED);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_BLOCKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->state_changes), n + 1);

	/* Reading does not tell anybody anything. */
	mmheap_pool_prefill_state(pool);
	mmheap_pool_get_prefill(pool);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_BLOCKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->state_changes), n + 1);

	ctx->memory_short = false;
	blocked = false;
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_DONE);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_DONE);

	/* Expired, not done, when the request decays unconsumed. */
	test_age(pool, 1100);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_DONE);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), (u64)SZ_1M);
	mod_delayed_work(system_unbound_wq, &pool->decay_work, 0);
	/* The decay worker expires it and tells. */
	KUNIT_EXPECT_TRUE(test, test_wait_for(test_state_expired, pool,
					      WAIT_MS));
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_EXPIRED);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), 0ULL);

	/* A request above the cap is blocked, never done. */
	mmheap_pool_set_cap(pool, SZ_1M);
	mmheap_pool_set_prefill(pool, SZ_2M);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_BLOCKED);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_BLOCKED);

	/* The shrinker taking pages is a change too. */
	mmheap_pool_set_cap(pool, SZ_2M);
	mmheap_pool_set_prefill(pool, SZ_1M);
	blocked = false;
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_DONE);
	KUNIT_EXPECT_GT(test, mmheap_pool_shrink_scan(pool, ULONG_MAX), 0UL);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_BLOCKED);

	/*
	 * The allocation that consumes the request tells from the next tick:
	 * it queues the lazy irq_work and wakes no worker. With interrupts
	 * off, no tick can run that irq_work in between.
	 */
	local_irq_disable();
	mmheap_pool_note_alloc(pool, 256, 0);
	lazy = irq_work_is_pending(&pool->notify_irq_work);
	queued = work_pending(&pool->notify_work);
	local_irq_enable();
	KUNIT_EXPECT_TRUE_MSG(test, lazy && !queued,
			      "an allocation queued the work at once");
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_NONE);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_NONE);

	mmheap_pool_set_prefill(pool, 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_prefill_state(pool),
			MMHEAP_PREFILL_NONE);
	KUNIT_EXPECT_EQ(test, test_told(pool), MMHEAP_PREFILL_NONE);
	KUNIT_EXPECT_STREQ(test,
			   mmheap_prefill_state_name(MMHEAP_PREFILL_EXPIRED),
			   "expired");
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
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_cap(pool), (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_low_watermark(pool),
			(u64)SZ_256K);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 64UL);

	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			64UL);

	/* A prefill above the cap fills to the cap only. */
	mmheap_pool_set_prefill(pool, SZ_4M);
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 256UL);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 256UL);

	/* Frees beyond the cap go back to the page allocator. */
	for (i = 0; i < 4; i++)
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_64K), IDX_64K);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 256UL);

	/* Cancelling the prefill drains the pool to the watermark at once. */
	mmheap_pool_set_prefill(pool, 0);
	flush_delayed_work(&pool->decay_work);
	KUNIT_EXPECT_EQ(test, test_pool_pages(pool), 64UL);
	KUNIT_EXPECT_EQ(test, mmheap_pool_trim(pool, ULONG_MAX), 0UL);
}

/*
 * A prefill holds for decay_ms after the request or the last allocation;
 * refill progress does not restart the clock.
 */
static void mmheap_test_decay(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	bool blocked = false;

	mmheap_pool_set_low_watermark(pool, SZ_64K);
	mmheap_pool_set_decay_ms(pool, 1000);
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_decay_ms(pool), 1000U);
	mmheap_pool_set_prefill(pool, 2 * SZ_1M);
	/* The test plays the decay worker's part itself. */
	cancel_delayed_work_sync(&pool->decay_work);

	/* Refilling late does not keep the request alive. */
	test_age(pool, 900);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_EXPECT_EQ(test, test_pool_pages(pool), 512UL);
	KUNIT_EXPECT_FALSE(test, mmheap_pool_expire(pool));
	test_age(pool, 1100);
	KUNIT_EXPECT_TRUE(test, mmheap_pool_expire(pool));
	KUNIT_EXPECT_EQ(test, mmheap_pool_target(pool), 16UL);
	/* 1 MiB chunks cannot be split: they all go. */
	KUNIT_EXPECT_EQ(test, mmheap_pool_trim(pool, ULONG_MAX), 512UL);

	/* An allocation restarts the clock. */
	mmheap_pool_set_prefill(pool, 2 * SZ_1M);
	cancel_delayed_work_sync(&pool->decay_work);
	test_age(pool, 1100);
	mmheap_pool_note_alloc(pool, 256, 1);
	KUNIT_EXPECT_FALSE(test, mmheap_pool_expire(pool));
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), (u64)SZ_1M);
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

	mmheap_pool_set_prefill(pool, 3 * SZ_1M + 2 * SZ_64K + 4 * SZ_4K);
	for (i = 0; i < 2; i++) {
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_1M), IDX_1M);
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_4K), IDX_4K);
	}
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
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

	/* The pool now leaves reclaim alone for a while. */
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			0UL);
	KUNIT_EXPECT_TRUE(test, blocked);

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

/* Blocked refills back off exponentially, to seconds. */
static void mmheap_test_backoff(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mmheap_pool_backoff(1), (long)(HZ / 10));
	KUNIT_EXPECT_EQ(test, mmheap_pool_backoff(2), (long)(HZ / 10) * 2);
	KUNIT_EXPECT_EQ(test, mmheap_pool_backoff(4), (long)(HZ / 10) * 8);
	KUNIT_EXPECT_EQ(test, mmheap_pool_backoff(7), (long)(HZ / 10) * 64);
	KUNIT_EXPECT_EQ(test, mmheap_pool_backoff(8), 8L * HZ);
	KUNIT_EXPECT_EQ(test, mmheap_pool_backoff(1000), 8L * HZ);
}

/* Start and stop many times in a row, idle, busy and with work queued. */
static void mmheap_test_thread_restart(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	int i;

	for (i = 0; i < 50; i++) {
		KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
		KUNIT_EXPECT_TRUE(test, mmheap_pool_thread_running(pool));
		/* No SCHED_NORMAL window: the policy is set before it runs. */
		KUNIT_EXPECT_EQ(test, pool->thread->policy, SCHED_IDLE);
		/* Starting twice is harmless. */
		KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
		if (i % 3 == 1)
			mmheap_pool_set_prefill(pool, (i % 5) * SZ_64K);
		mmheap_pool_stop_thread(pool);
		KUNIT_EXPECT_FALSE(test, mmheap_pool_thread_running(pool));
	}
	/* Stopping a stopped thread is harmless. */
	mmheap_pool_stop_thread(pool);
}

/*
 * Quiescing stops the thread and leaves no decay work and no notification
 * behind: the owner may then remove what ops->state_changed uses.
 */
static void mmheap_test_quiesce(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct test_ctx *ctx = test_pool_ctx(pool);
	int changes;

	/* The pool stays empty: a shrinker run frees nothing, tells nothing. */
	WRITE_ONCE(ctx->memory_short, true);
	mmheap_pool_set_decay_ms(pool, 60000);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	/* Queues a notification, and the decay work for a minute from now. */
	KUNIT_ASSERT_EQ(test, mmheap_pool_set_prefill(pool, SZ_1M), 0);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pool->decay_work));

	mmheap_pool_quiesce(pool);
	KUNIT_EXPECT_FALSE(test, mmheap_pool_thread_running(pool));
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&pool->decay_work));
	KUNIT_EXPECT_FALSE(test, irq_work_is_pending(&pool->notify_irq_work));
	KUNIT_EXPECT_FALSE(test, work_pending(&pool->notify_work));
	/* Whatever was still queued would run here. */
	changes = atomic_read(&ctx->state_changes);
	irq_work_sync(&pool->notify_irq_work);
	flush_work(&pool->notify_work);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->state_changes), changes);

	/* Harmless twice, and on no pool. */
	mmheap_pool_quiesce(pool);
	mmheap_pool_quiesce(NULL);
	mmheap_pool_quiesce(ERR_PTR(-ENOMEM));
}

static s64 test_stop_ms(struct mmheap_pool *pool)
{
	ktime_t start = ktime_get();

	mmheap_pool_stop_thread(pool);
	return ktime_ms_delta(ktime_get(), start);
}

/* The thread saw the shrinker's hold-off and sleeps it out. */
static bool test_thread_held(struct mmheap_pool *pool)
{
	return test_state_blocked(pool) && atomic64_read(&pool->wakeups) == 0 &&
	       !task_is_running(pool->thread);
}

/* The pool is full and the thread went back to sleep. */
static bool test_thread_idle(struct mmheap_pool *pool)
{
	return test_state_done(pool) && !task_is_running(pool->thread);
}

/*
 * kthread_stop() must not wait out the thread's sleep: a thread held off
 * for 2 s after the shrinker took pages stops at once. Stopping leaves no
 * dirty chunk behind, since nobody would zero it.
 */
static void mmheap_test_thread_stop(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct mmheap_pool_stats st;
	bool blocked = false;
	int i;

	mmheap_pool_set_prefill(pool, 2 * SZ_1M);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	sc.nr_to_scan = 1;
	KUNIT_ASSERT_EQ(test, pool->shrinker->scan_objects(pool->shrinker, &sc),
			256UL);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	KUNIT_ASSERT_TRUE_MSG(test, test_wait_for(test_thread_held, pool,
						  WAIT_MS),
			      "the thread did not go to sleep for the hold-off");
	KUNIT_EXPECT_LT(test, test_stop_ms(pool), 1000);

	mmheap_pool_set_low_watermark(pool, SZ_4M);
	for (i = 0; i < 4; i++)
		mmheap_pool_put(pool, test_alloc_chunk(test, IDX_64K), IDX_64K);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	mmheap_pool_stop_thread(pool);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
}

/*
 * With the pool at its target the thread sleeps without a timeout: no
 * wake-up at all. When memory is short it backs off: in 1.4 s a thread
 * retrying every 100 ms wakes 14 times, one backing off at most 4.
 */
static void mmheap_test_thread_wakeups(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	u64 w0;

	mmheap_pool_set_low_watermark(pool, SZ_1M);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	mmheap_pool_set_prefill(pool, SZ_1M);
	KUNIT_ASSERT_TRUE(test, test_wait_for(test_thread_idle, pool,
					      WAIT_MS));
	w0 = atomic64_read(&pool->wakeups);
	msleep(1000);
	KUNIT_EXPECT_EQ(test, atomic64_read(&pool->wakeups), w0);
	mmheap_pool_stop_thread(pool);

	mmheap_pool_shrink_scan(pool, ULONG_MAX);
	raw_spin_lock(&pool->lock);
	pool->hold_until = get_jiffies_64();
	raw_spin_unlock(&pool->lock);
	test_pool_ctx(pool)->memory_short = true;
	atomic64_set(&pool->wakeups, 0);
	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	msleep(1400);
	w0 = atomic64_read(&pool->wakeups);
	mmheap_pool_stop_thread(pool);
	KUNIT_EXPECT_LE(test, w0, 5ULL);
	KUNIT_EXPECT_GE(test, w0, 1ULL);
}

/*
 * The thread fills a prefill at SCHED_IDLE and says so; the allocations
 * consume it, and it is not filled again behind them.
 */
static void mmheap_test_thread_prefill(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	struct mmheap_pool_stats st;
	struct page *page;
	LIST_HEAD(taken);

	KUNIT_ASSERT_EQ(test, mmheap_pool_start_thread(pool), 0);
	KUNIT_EXPECT_EQ(test, pool->thread->policy, SCHED_IDLE);
	mmheap_pool_set_prefill(pool, 4 * SZ_1M + SZ_64K + SZ_4K);
	KUNIT_ASSERT_TRUE_MSG(test,
			      test_wait_for(test_done_notified, pool, WAIT_MS),
			      "prefill not reached in %d ms", WAIT_MS);
	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 4UL * 256 + 16 + 1);
	KUNIT_EXPECT_EQ(test, st.clean[IDX_1M], 4UL);
	KUNIT_EXPECT_GT(test, st.refill_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, st.zeroed_bytes, (4ULL * 256 + 16 + 1) *
			PAGE_SIZE);
	KUNIT_EXPECT_GE(test, atomic_read(&test_pool_ctx(pool)->done_seen), 1);
	/*
	 * The page allocator's locks are rtmutexes on PREEMPT_RT: the
	 * SCHED_IDLE thread must not take them, a kworker allocates for it.
	 */
	KUNIT_EXPECT_GT(test, atomic_read(&test_pool_ctx(pool)->refill_checks),
			0);
	KUNIT_EXPECT_EQ(test,
			atomic_read(&test_pool_ctx(pool)->idle_refill_checks),
			0);

	KUNIT_EXPECT_EQ(test, mmheap_pool_take(pool, IDX_1M, 4, &taken), 4U);
	mmheap_pool_note_alloc(pool, 4 * 256, 0);
	list_for_each_entry(page, &taken, lru)
		KUNIT_EXPECT_TRUE(test, test_chunk_is_zero(page, 8));
	mmheap_pool_put_list(pool, &taken, false);
	mmheap_pool_stop_thread(pool);

	mmheap_pool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.prefill_pages, 17UL);
	KUNIT_EXPECT_EQ(test, st.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.clean_pages, 17UL);
}

/* At or below the low watermark: 1 MiB chunks are not split to fit it. */
static bool test_pool_drained(struct mmheap_pool *pool)
{
	return test_pool_pages(pool) <= 16;
}

/*
 * A decayed prefill drains to the low watermark from a kernel worker: it
 * does not wait for the idle thread, which here is not even running.
 */
static void mmheap_test_decay_drains(struct kunit *test)
{
	struct mmheap_pool *pool = test_pool(test);
	bool blocked = false;

	mmheap_pool_set_decay_ms(pool, 100);
	mmheap_pool_set_low_watermark(pool, SZ_64K);
	mmheap_pool_set_prefill(pool, 2 * SZ_1M);
	mmheap_pool_refill(pool, ULONG_MAX, &blocked);
	KUNIT_ASSERT_EQ(test, test_pool_pages(pool), 512UL);
	KUNIT_EXPECT_TRUE(test, test_wait_for(test_state_expired, pool,
					      WAIT_MS));
	KUNIT_EXPECT_TRUE(test, test_wait_for(test_pool_drained, pool,
					      WAIT_MS));
	KUNIT_EXPECT_EQ(test, mmheap_pool_get_prefill(pool), 0ULL);
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
		mmheap_pool_note_alloc(w->pool, 1UL << mmheap_orders[idx], 0);
		list_for_each_entry(page, &taken, lru) {
			if (!test_chunk_is_zero(page, mmheap_orders[idx]))
				w->bad++;
			test_fill_chunk(page, mmheap_orders[idx], 0xff);
			w->taken++;
		}
		mmheap_pool_put_list(w->pool, &taken, false);
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
	KUNIT_ASSERT_TRUE(test, test_wait_for(test_state_done, pool, WAIT_MS));

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
	KUNIT_EXPECT_LE(test, test_pool_pages(pool), 1024UL);
}

static void mmheap_test_parse_bytes(struct kunit *test)
{
	u64 v = 42;

	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("4096", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4096ULL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("64M\n", &v), 0);
	KUNIT_EXPECT_EQ(test, v, (u64)SZ_64M);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("2k", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 2048ULL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("0x1000", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4096ULL);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("16G", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 16ULL << 30);
	KUNIT_EXPECT_EQ(test, mmheap_parse_bytes("0", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ULL);

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
	KUNIT_EXPECT_EQ(test, v, 42ULL);
}

/* The heap: what a buffer is made of, and where its pages go. */

static struct dma_buf *test_heap_alloc(struct kunit *test, unsigned long len)
{
	return mmheap_allocate(mmheap_heap, len, O_RDWR | O_CLOEXEC, 0);
}

static bool test_buf_is_zero(struct dma_buf *dmabuf)
{
	struct iosys_map map;
	bool zero;

	if (dma_buf_vmap_unlocked(dmabuf, &map))
		return false;
	zero = !memchr_inv(map.vaddr, 0, dmabuf->size);
	memset(map.vaddr, 0x3c, dmabuf->size);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	return zero;
}

static void mmheap_test_heap_bad_input(struct kunit *test)
{
	struct dma_buf *dmabuf;

	if (!mmheap_heap)
		kunit_skip(test, "the mmheap heap did not initialise");
	dmabuf = test_heap_alloc(test, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmabuf), -EINVAL);
	dmabuf = test_heap_alloc(test, PAGE_SIZE + 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmabuf), -EINVAL);
	dmabuf = test_heap_alloc(test, READ_ONCE(mmheap_buffer_max_bytes) +
				 PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmabuf), -EINVAL);
	dmabuf = test_heap_alloc(test, ULONG_MAX & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmabuf), -EINVAL);
}

/*
 * At the default 25%, a prefill of the default cap (a quarter of RAM's
 * pages) is allowed, for any size of RAM: here 4 x 100001 pages, whose
 * bytes 100 does not divide.
 */
static void mmheap_test_prefill_max(struct kunit *test)
{
	u64 ram = 4ULL * 100001 << PAGE_SHIFT;

	KUNIT_EXPECT_GE(test, mmheap_prefill_max(ram, 25),
			100001ULL << PAGE_SHIFT);
	KUNIT_EXPECT_LE(test, mmheap_prefill_max(ram, 25), ram / 4);
	KUNIT_EXPECT_EQ(test, mmheap_prefill_max(ram, 100), ram);
	KUNIT_EXPECT_EQ(test, mmheap_prefill_max(1ULL << 50, 90),
			(1ULL << 50) * 9 / 10);
}

/*
 * A buffer is made of the largest chunks there are, comes out zero, and
 * when released with no request outstanding its pages leave the pool.
 */
static void mmheap_test_heap_alloc_release(struct kunit *test)
{
	unsigned long len = 4 * SZ_1M + SZ_64K + SZ_4K;
	unsigned long before;
	struct dma_buf *dmabuf;
	struct sg_table *table;
	struct scatterlist *sg;
	unsigned int small = 0;
	int i;

	if (!mmheap_heap)
		kunit_skip(test, "the mmheap heap did not initialise");
	before = test_pool_pages(mmheap_pool);
	dmabuf = test_heap_alloc(test, len);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_EXPECT_EQ(test, dmabuf->size, len);
	table = mmheap_buffer_table(dmabuf);
	for_each_sgtable_sg(table, sg, i)
		small += sg->length == PAGE_SIZE;
	/* Order-0 chunks only for the 4 KiB tail, when memory is not torn. */
	KUNIT_EXPECT_LE(test, small, 1U);
	KUNIT_EXPECT_TRUE(test, test_buf_is_zero(dmabuf));
	dma_buf_put(dmabuf);
	KUNIT_EXPECT_LE(test, test_pool_pages(mmheap_pool),
			max(before, mmheap_pool_target(mmheap_pool)));
}

/* A prefill of the heap is consumed by the buffer it was for. */
static void mmheap_test_heap_prefill(struct kunit *test)
{
	struct mmheap_pool_stats st0, st;
	struct dma_buf *dmabuf;

	if (!mmheap_heap || !mmheap_pool_thread_running(mmheap_pool))
		kunit_skip(test, "the heap or its refill thread is not running");
	mmheap_pool_get_stats(mmheap_pool, &st0);
	KUNIT_ASSERT_EQ(test, mmheap_prefill(2 * SZ_1M), 0);
	KUNIT_ASSERT_TRUE(test, test_wait_for(test_state_done, mmheap_pool,
					      WAIT_MS));
	dmabuf = test_heap_alloc(test, 2 * SZ_1M);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	mmheap_pool_get_stats(mmheap_pool, &st);
	KUNIT_EXPECT_EQ(test, st.hits - st0.hits, 2ULL);
	KUNIT_EXPECT_EQ(test, st.prefill_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.state, MMHEAP_PREFILL_NONE);
	KUNIT_EXPECT_TRUE(test, test_buf_is_zero(dmabuf));
	dma_buf_put(dmabuf);
	mmheap_pool_get_stats(mmheap_pool, &st);
	KUNIT_EXPECT_EQ(test, st.clean_pages + st.dirty_pages,
			st.target_pages);
}

/* Write-combined pools and the mmheap-uncached heap. */

#ifdef CONFIG_X86
/* The caching bits of the kernel's direct map of @page, as a 4 KiB pte's. */
static unsigned long test_cache_bits(struct page *page)
{
	unsigned int level;
	pgprotval_t val;
	pte_t *pte;

	pte = lookup_address((unsigned long)page_address(page), &level);
	if (!pte)
		return ~0UL;
	val = pte_flags(*pte);
	if (level != PG_LEVEL_4K)
		val = protval_large_2_4k(val);
	return val & _PAGE_CACHE_MASK;
}

/*
 * How many of the @n pages whose direct map is not @mode. Pages, not
 * chunks: a freed chunk is no longer compound, so its size must be noted
 * while it is held.
 */
static unsigned int test_pages_not(struct page **pages, unsigned int n,
				   enum page_cache_mode mode)
{
	unsigned long want = cachemode2protval(mode);
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++)
		bad += test_cache_bits(pages[i]) != want;
	return bad;
}
#endif

/* Most pages the direct-map test follows: 3 rounds of 2 MiB + 64 KiB. */
#define TEST_WC_PAGES	(3 * (512 + 16))

/*
 * Every page on a write-combined pool's lists is mapped write-combined in
 * the direct map; every page that leaves the pool for the page allocator
 * (by a free above the target, a trim, the shrinker) is write-back again.
 */
static void mmheap_test_wc_direct_map(struct kunit *test)
{
#ifdef CONFIG_X86
	struct mmheap_pool *pool = test_pool_caching(test, MMHEAP_WRITECOMBINE);
	struct page **seen, *page;
	unsigned int n = 0, round, i;
	bool blocked = false;
	LIST_HEAD(taken);

	seen = kunit_kcalloc(test, TEST_WC_PAGES, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	/* Three ways out: a free above the target, a trim, the shrinker. */
	for (round = 0; round < 3; round++) {
		unsigned int first = n;

		KUNIT_ASSERT_EQ(test, mmheap_pool_set_prefill(pool, SZ_2M + SZ_64K),
				0);
		mmheap_pool_refill(pool, ULONG_MAX, &blocked);
		KUNIT_ASSERT_FALSE(test, blocked);
		for (i = 0; i < MMHEAP_NR_ORDERS; i++)
			mmheap_pool_take(pool, i, UINT_MAX, &taken);
		list_for_each_entry(page, &taken, lru) {
			KUNIT_ASSERT_LE(test, n + compound_nr(page),
					(unsigned long)TEST_WC_PAGES);
			for (i = 0; i < compound_nr(page); i++)
				seen[n++] = page + i;
		}
		KUNIT_EXPECT_EQ(test, n - first, 512U + 16);
		KUNIT_EXPECT_EQ_MSG(test, test_pages_not(seen + first, n - first,
							 _PAGE_CACHE_MODE_WC),
				    0U, "pooled pages not write-combined");
		if (round == 0) {
			/* The free: with no target, straight back. */
			mmheap_pool_set_prefill(pool, 0);
			flush_delayed_work(&pool->decay_work);
			mmheap_pool_put_list(pool, &taken, false);
		} else if (round == 1) {
			/* The trim, by the decay worker the cancel queues. */
			mmheap_pool_put_list(pool, &taken, true);
			mmheap_pool_set_prefill(pool, 0);
			flush_delayed_work(&pool->decay_work);
		} else {
			/* The shrinker, which takes all, target or not. */
			mmheap_pool_put_list(pool, &taken, true);
			KUNIT_EXPECT_EQ(test,
					mmheap_pool_shrink_scan(pool, ULONG_MAX),
					512UL + 16);
			mmheap_pool_set_prefill(pool, 0);
			flush_delayed_work(&pool->decay_work);
		}
		KUNIT_EXPECT_EQ(test, test_pool_pages(pool), 0UL);
		KUNIT_EXPECT_EQ_MSG(test, test_pages_not(seen + first, n - first,
							 _PAGE_CACHE_MODE_WB),
				    0U, "round %u: pages given back write-combined",
				    round);
	}
#else
	kunit_skip(test,
		   "the direct map is switched to write-combining on x86 only");
#endif
}

/*
 * Is the chunk zero as a device or a write-combined mapping sees it, that
 * is in memory? Read through a write-combined vmap, not through the direct
 * map, which is a cached alias outside x86.
 */
static bool test_chunk_is_zero_wc(struct kunit *test, struct page *page,
				  unsigned int order)
{
	unsigned int i, n = 1U << order;
	struct page **pages;
	bool zero;
	void *addr;

	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return false;
	for (i = 0; i < n; i++)
		pages[i] = page + i;
	addr = vmap(pages, n, VM_MAP, pgprot_writecombine(PAGE_KERNEL));
	if (!addr)
		return false;
	zero = !memchr_inv(addr, 0, (size_t)n << PAGE_SHIFT);
	vunmap(addr);
	return zero;
}

/*
 * A write-combined pool's chunks are zero, new ones and freed ones alike,
 * as a write-combined mapping sees them.
 */
static void mmheap_test_wc_zeroed(struct kunit *test)
{
	struct mmheap_pool *pool;
	bool blocked = false;
	struct page *page;
	LIST_HEAD(taken);
	int round;

	if (!mmheap_pool_wc_supported())
		kunit_skip(test, "no write-combined pools on this architecture");
	pool = test_pool_caching(test, MMHEAP_WRITECOMBINE);

	KUNIT_ASSERT_EQ(test, mmheap_pool_set_prefill(pool, SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, mmheap_pool_refill(pool, ULONG_MAX, &blocked),
			512UL);
	for (round = 0; round < 2; round++) {
		KUNIT_ASSERT_EQ(test, mmheap_pool_take(pool, IDX_1M, 2, &taken),
				2U);
		list_for_each_entry(page, &taken, lru) {
			KUNIT_EXPECT_TRUE(test,
					  test_chunk_is_zero_wc(test, page, 8));
			test_fill_chunk(page, 8, 0x5a);
		}
		/* Still the target: the pool keeps them, dirty. */
		mmheap_pool_put_list(pool, &taken, false);
		KUNIT_EXPECT_EQ(test, mmheap_pool_zero_dirty(pool, ULONG_MAX),
				512UL);
	}
}

#ifdef CONFIG_X86
/* Waits for @n pages to be write-back again: a release may still be running. */
static unsigned int test_wait_wb(struct page **pages, unsigned int n)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(WAIT_MS);
	unsigned int bad;

	while ((bad = test_pages_not(pages, n, _PAGE_CACHE_MODE_WB)) &&
	       time_before(jiffies, deadline))
		usleep_range(2000, 4000);
	return bad;
}
#endif

/*
 * /dev/dma_heap/mmheap-uncached, with its pool empty and then prefilled:
 * its buffers come out zero as a write-combined mapping sees them, from
 * the right pool, and (on x86) mapped write-combined in the kernel's direct
 * map; released with no request outstanding, they go back write-back.
 */
static void mmheap_test_uncached_heap(struct kunit *test)
{
	unsigned long len = 2 * SZ_1M + SZ_64K + SZ_4K;
	struct mmheap_pool_stats st0, st;
	struct dma_buf *dmabuf;
	struct page **pages;
	struct sg_table *table;
	struct scatterlist *sg;
	unsigned int n, chunks, j, round;
	int i;

	if (!mmheap_uncached_heap ||
	    !mmheap_pool_thread_running(mmheap_uncached_pool))
		kunit_skip(test,
			   "the mmheap-uncached heap or its refill thread is not running");
	pages = kunit_kcalloc(test, len >> PAGE_SHIFT, sizeof(*pages),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (round = 0; round < 2; round++) {
		if (round) {
			KUNIT_ASSERT_EQ(test, mmheap_prefill_uncached(len), 0);
			KUNIT_ASSERT_TRUE(test,
					  test_wait_for(test_state_done,
							mmheap_uncached_pool,
							WAIT_MS));
		}
		mmheap_pool_get_stats(mmheap_uncached_pool, &st0);
		dmabuf = mmheap_allocate(mmheap_uncached_heap, len,
					 O_RDWR | O_CLOEXEC, 0);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
		table = mmheap_buffer_table(dmabuf);
		n = 0;
		chunks = 0;
		for_each_sgtable_sg(table, sg, i) {
			for (j = 0; j < sg->length >> PAGE_SHIFT; j++)
				pages[n++] = sg_page(sg) + j;
			chunks++;
		}
		KUNIT_EXPECT_EQ(test, n, len >> PAGE_SHIFT);
		/* Every chunk from this heap's pool, or counted as a miss. */
		mmheap_pool_get_stats(mmheap_uncached_pool, &st);
		KUNIT_EXPECT_EQ(test,
				(st.hits - st0.hits) + (st.misses - st0.misses),
				(u64)chunks);
		if (round)
			KUNIT_EXPECT_EQ(test, st.hits - st0.hits, (u64)chunks);
#ifdef CONFIG_X86
		KUNIT_EXPECT_EQ(test,
				test_pages_not(pages, n, _PAGE_CACHE_MODE_WC),
				0U);
#endif
		/* Through a vmap, which is write-combined for this heap. */
		KUNIT_EXPECT_TRUE(test, test_buf_is_zero(dmabuf));
		dma_buf_put(dmabuf);
		/* A kthread's last fput() is deferred to a work item. */
		flush_delayed_fput();
#ifdef CONFIG_X86
		if (!mmheap_pool_target(mmheap_uncached_pool))
			KUNIT_EXPECT_EQ_MSG(test, test_wait_wb(pages, n), 0U,
					    "round %u: released pages left write-combined",
					    round);
#endif
	}
}

static struct kunit_case mmheap_test_cases[] = {
	KUNIT_CASE(mmheap_test_put_zero_take),
	KUNIT_CASE(mmheap_test_put_above_target),
	KUNIT_CASE(mmheap_test_vmstat),
	KUNIT_CASE(mmheap_test_reuse_is_zero),
	KUNIT_CASE(mmheap_test_refill_target),
	KUNIT_CASE(mmheap_test_prefill_consumed),
	KUNIT_CASE(mmheap_test_prefill_states),
	KUNIT_CASE(mmheap_test_watermark_cap),
	KUNIT_CASE(mmheap_test_decay),
	KUNIT_CASE(mmheap_test_shrinker),
	KUNIT_CASE(mmheap_test_backoff),
	KUNIT_CASE(mmheap_test_thread_restart),
	KUNIT_CASE(mmheap_test_thread_stop),
	KUNIT_CASE(mmheap_test_quiesce),
	KUNIT_CASE_SLOW(mmheap_test_thread_wakeups),
	KUNIT_CASE(mmheap_test_thread_prefill),
	KUNIT_CASE(mmheap_test_decay_drains),
	KUNIT_CASE(mmheap_test_concurrent),
	KUNIT_CASE(mmheap_test_parse_bytes),
	KUNIT_CASE(mmheap_test_heap_bad_input),
	KUNIT_CASE(mmheap_test_prefill_max),
	KUNIT_CASE(mmheap_test_heap_alloc_release),
	KUNIT_CASE(mmheap_test_heap_prefill),
	KUNIT_CASE(mmheap_test_wc_direct_map),
	KUNIT_CASE(mmheap_test_wc_zeroed),
	KUNIT_CASE(mmheap_test_uncached_heap),
	{}
};

static struct kunit_suite mmheap_test_suite = {
	.name = "mmheap",
	.test_cases = mmheap_test_cases,
};

kunit_test_suite(mmheap_test_suite);
