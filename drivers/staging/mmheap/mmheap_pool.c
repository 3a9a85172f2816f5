// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap pool engine
 *
 * Copyright (C) 2025 mmheap developers
 */

/**
 * DOC: mmheap pools
 *
 * A camera or video pipeline allocates tens of megabytes of buffers when a
 * stream starts. Getting those pages from the page allocator and zeroing them
 * costs milliseconds per buffer at the worst moment: while the user waits for
 * the first frame. An mmheap pool moves that work earlier and out of the way.
 *
 * A pool keeps, per order (1 MiB, 64 KiB and 4 KiB chunks), a list of pages
 * that are already zeroed ("clean") and a list of freed pages that still hold
 * their last owner's data ("dirty"). Pages are linked through page->lru and
 * the list a page sits on gives its order, so the pool needs no metadata of
 * its own per page. An allocation takes clean chunks and never zeroes; a free
 * puts chunks on the dirty list, never straight on a clean list, so no page
 * reaches a new owner with old data.
 *
 * A refill thread running at SCHED_IDLE zeroes dirty pages and tops the clean
 * lists up to a target, using CPU time nobody else wants. The target is the
 * standing low watermark, raised by a prefill request until the request
 * decays: decay_ms after the last request, allocation or refill progress the
 * request expires and the pool drains back to the low watermark, so a prefill
 * never pins memory for ever. The thread only allocates without reclaim and
 * while the zones are above their high watermarks, and under memory pressure
 * a shrinker gives pooled pages back: dirty ones first, as they need no
 * zeroing to be useful to the page allocator, then clean ones, smallest order
 * first. All pooled pages are counted as NR_KERNEL_MISC_RECLAIMABLE.
 *
 * Locking: pool->lock, a spinlock, protects the lists and counts only. Pages
 * are taken off a list under the lock, zeroed or allocated with no lock held,
 * and put back under the lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sched.h>
#include <uapi/linux/sched/types.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "mmheap_pool.h"
#include "mmheap_trace.h"

const unsigned int mmheap_orders[MMHEAP_NR_ORDERS] = { 8, 4, 0 };

/*
 * The refill thread must never slow anybody down: no direct reclaim, no
 * kswapd wake-up, no retries and no warning when a high order is not there.
 */
#define MMHEAP_REFILL_GFP	((GFP_HIGHUSER | __GFP_NOWARN | __GFP_NORETRY) & \
				 ~__GFP_RECLAIM)

/* How long the thread waits before retrying when memory is short. */
#define MMHEAP_BACKOFF		(HZ / 10)

#define MMHEAP_DEFAULT_DECAY_MS	5000

/**
 * mmheap_pool_order_index() - index of an order in mmheap_orders
 * @order: page order
 *
 * Return: the index, or -EINVAL if the pool does not keep that order.
 */
int mmheap_pool_order_index(unsigned int order)
{
	int i;

	for (i = 0; i < MMHEAP_NR_ORDERS; i++)
		if (mmheap_orders[i] == order)
			return i;
	return -EINVAL;
}

static void mmheap_pool_account(struct page *page, unsigned int order,
				long sign)
{
	mod_node_page_state(page_pgdat(page), NR_KERNEL_MISC_RECLAIMABLE,
			    sign << order);
}

static void mmheap_pool_kick(struct mmheap_pool *pool)
{
	WRITE_ONCE(pool->kicked, true);
	wake_up(&pool->wait);
}

static unsigned long mmheap_pool_decay_deadline(struct mmheap_pool *pool)
{
	return pool->last_use + msecs_to_jiffies(pool->decay_ms);
}

/* Called with pool->lock held; expires a decayed prefill request. */
static unsigned long __mmheap_pool_target(struct mmheap_pool *pool)
{
	if (pool->prefill_pages &&
	    time_after(jiffies, mmheap_pool_decay_deadline(pool))) {
		pool->prefill_pages = 0;
		pool->prefill_bytes = 0;
		pool->prefill_reached = false;
	}
	return min(max(pool->prefill_pages, pool->low_pages), pool->cap_pages);
}

/**
 * mmheap_pool_target() - the level the refill thread fills the pool to
 * @pool: the pool
 *
 * The target is the low watermark, raised to the prefill request while the
 * request has not decayed, and never above the pool's cap. A decayed request
 * is dropped here.
 *
 * Return: the target in pages, clean and dirty together.
 */
unsigned long mmheap_pool_target(struct mmheap_pool *pool)
{
	unsigned long target;

	spin_lock(&pool->lock);
	target = __mmheap_pool_target(pool);
	spin_unlock(&pool->lock);
	return target;
}

/* Called with pool->lock held. */
static void __mmheap_pool_add(struct mmheap_pool *pool, struct page *page,
			      unsigned int idx, bool clean)
{
	unsigned int order = mmheap_orders[idx];

	if (clean) {
		list_add_tail(&page->lru, &pool->clean[idx]);
		pool->nr_clean[idx]++;
		pool->clean_pages += 1UL << order;
	} else {
		list_add_tail(&page->lru, &pool->dirty[idx]);
		pool->nr_dirty[idx]++;
		pool->dirty_pages += 1UL << order;
	}
}

/**
 * mmheap_pool_take() - take zeroed chunks out of a pool
 * @pool: the pool
 * @idx: index of the order in mmheap_orders
 * @nr: most chunks to take
 * @list: where the chunks are added, linked through page->lru
 *
 * Never zeroes, never sleeps and never enters the page allocator: it hands
 * out what the pool holds. The pages are no longer counted as pooled. The
 * caller records the allocation with mmheap_pool_note_alloc().
 *
 * Return: the number of chunks added to @list.
 */
unsigned int mmheap_pool_take(struct mmheap_pool *pool, unsigned int idx,
			      unsigned int nr, struct list_head *list)
{
	unsigned int order = mmheap_orders[idx];
	struct page *page;
	unsigned int n = 0;
	LIST_HEAD(taken);

	spin_lock(&pool->lock);
	while (n < nr && !list_empty(&pool->clean[idx])) {
		page = list_first_entry(&pool->clean[idx], struct page, lru);
		list_move_tail(&page->lru, &taken);
		mmheap_pool_account(page, order, -1);
		n++;
	}
	pool->nr_clean[idx] -= n;
	pool->clean_pages -= (unsigned long)n << order;
	spin_unlock(&pool->lock);

	if (n) {
		atomic64_add(n, &pool->hits);
		list_splice_tail(&taken, list);
	}
	return n;
}

/**
 * mmheap_pool_note_alloc() - record an allocation served from this pool
 * @pool: the pool
 * @misses: chunks the caller had to allocate from the page allocator
 *
 * Restarts the prefill decay and wakes the refill thread if the pool fell
 * below its target.
 */
void mmheap_pool_note_alloc(struct mmheap_pool *pool, unsigned long misses)
{
	bool low;

	if (misses)
		atomic64_add(misses, &pool->misses);

	spin_lock(&pool->lock);
	pool->last_use = jiffies;
	low = pool->clean_pages + pool->dirty_pages < __mmheap_pool_target(pool);
	spin_unlock(&pool->lock);

	if (low)
		mmheap_pool_kick(pool);
}

/**
 * mmheap_pool_put() - give a chunk back to a pool
 * @pool: the pool
 * @page: the chunk, of order mmheap_orders[@idx]
 * @idx: index of the order in mmheap_orders
 *
 * The chunk goes to the dirty list, to be zeroed by the refill thread before
 * it is handed out again. If the pool is at its cap the chunk goes straight
 * back to the page allocator instead.
 */
void mmheap_pool_put(struct mmheap_pool *pool, struct page *page,
		     unsigned int idx)
{
	unsigned int order = mmheap_orders[idx];

	spin_lock(&pool->lock);
	if (pool->clean_pages + pool->dirty_pages + (1UL << order) >
	    pool->cap_pages) {
		spin_unlock(&pool->lock);
		__free_pages(page, order);
		return;
	}
	__mmheap_pool_add(pool, page, idx, false);
	mmheap_pool_account(page, order, 1);
	spin_unlock(&pool->lock);

	/* A buffer frees many chunks in a row: one wake-up is enough. */
	if (!READ_ONCE(pool->kicked))
		mmheap_pool_kick(pool);
}

/**
 * mmheap_pool_set_prefill() - request that the pool hold @bytes of zeroed pages
 * @pool: the pool
 * @bytes: the request, rounded up to whole pages; 0 cancels
 *
 * The refill thread fills the pool up to the request (never above the cap);
 * the request holds until decay_ms after the last request, allocation or
 * refill progress.
 *
 * Return: 0.
 */
int mmheap_pool_set_prefill(struct mmheap_pool *pool, unsigned long bytes)
{
	spin_lock(&pool->lock);
	pool->prefill_bytes = bytes;
	pool->prefill_pages = DIV_ROUND_UP(bytes, PAGE_SIZE);
	pool->prefill_reached = false;
	pool->last_use = jiffies;
	spin_unlock(&pool->lock);

	mmheap_pool_kick(pool);
	return 0;
}

/**
 * mmheap_pool_get_prefill() - the current prefill request
 * @pool: the pool
 *
 * Return: the request in bytes; 0 when none is pending or it has decayed.
 */
unsigned long mmheap_pool_get_prefill(struct mmheap_pool *pool)
{
	unsigned long bytes;

	spin_lock(&pool->lock);
	__mmheap_pool_target(pool);
	bytes = pool->prefill_bytes;
	spin_unlock(&pool->lock);
	return bytes;
}

/* Called with pool->lock held. */
static bool __mmheap_pool_prefill_done(struct mmheap_pool *pool)
{
	return pool->clean_pages >= min(pool->prefill_pages, pool->cap_pages);
}

/**
 * mmheap_pool_prefill_done() - whether the pool holds the requested prefill
 * @pool: the pool
 *
 * Return: true if the clean pages reach the request (or the cap, if the
 * request is above it), or if there is no request.
 */
bool mmheap_pool_prefill_done(struct mmheap_pool *pool)
{
	bool done;

	spin_lock(&pool->lock);
	__mmheap_pool_target(pool);
	done = __mmheap_pool_prefill_done(pool);
	spin_unlock(&pool->lock);
	return done;
}

/**
 * mmheap_pool_set_low_watermark() - set the standing level of the pool
 * @pool: the pool
 * @bytes: pages the thread keeps in the pool with no request, in bytes
 *
 * Return: 0, or -ERANGE if @bytes is above the pool's cap.
 */
int mmheap_pool_set_low_watermark(struct mmheap_pool *pool,
				  unsigned long bytes)
{
	unsigned long pages = DIV_ROUND_UP(bytes, PAGE_SIZE);

	spin_lock(&pool->lock);
	if (pages > pool->cap_pages) {
		spin_unlock(&pool->lock);
		return -ERANGE;
	}
	pool->low_pages = pages;
	pool->low_bytes = bytes;
	spin_unlock(&pool->lock);

	mmheap_pool_kick(pool);
	return 0;
}

/**
 * mmheap_pool_set_cap() - set the most the pool may hold
 * @pool: the pool
 * @bytes: the cap for clean and dirty pages together, in bytes
 *
 * A pool above its new cap is trimmed by the refill thread.
 *
 * Return: 0, or -ERANGE if @bytes is below the low watermark.
 */
int mmheap_pool_set_cap(struct mmheap_pool *pool, unsigned long bytes)
{
	unsigned long pages = bytes >> PAGE_SHIFT;

	spin_lock(&pool->lock);
	if (bytes < pool->low_bytes) {
		spin_unlock(&pool->lock);
		return -ERANGE;
	}
	pool->cap_pages = pages;
	pool->cap_bytes = bytes;
	spin_unlock(&pool->lock);

	mmheap_pool_kick(pool);
	return 0;
}

/**
 * mmheap_pool_get_low_watermark() - the standing level of the pool
 * @pool: the pool
 *
 * Return: the low watermark in bytes, as set.
 */
unsigned long mmheap_pool_get_low_watermark(struct mmheap_pool *pool)
{
	return READ_ONCE(pool->low_bytes);
}

/**
 * mmheap_pool_get_cap() - the most the pool may hold
 * @pool: the pool
 *
 * Return: the cap in bytes, as set.
 */
unsigned long mmheap_pool_get_cap(struct mmheap_pool *pool)
{
	return READ_ONCE(pool->cap_bytes);
}

/**
 * mmheap_pool_get_decay_ms() - how long a prefill request holds
 * @pool: the pool
 *
 * Return: the decay in milliseconds.
 */
unsigned int mmheap_pool_get_decay_ms(struct mmheap_pool *pool)
{
	return READ_ONCE(pool->decay_ms);
}

/**
 * mmheap_pool_set_decay_ms() - set how long a prefill request holds
 * @pool: the pool
 * @ms: milliseconds after the last request, allocation or refill progress
 */
void mmheap_pool_set_decay_ms(struct mmheap_pool *pool, unsigned int ms)
{
	spin_lock(&pool->lock);
	pool->decay_ms = ms;
	spin_unlock(&pool->lock);

	mmheap_pool_kick(pool);
}

/**
 * mmheap_pool_get_stats() - take a snapshot of a pool's counters
 * @pool: the pool
 * @stats: filled in
 */
void mmheap_pool_get_stats(struct mmheap_pool *pool,
			   struct mmheap_pool_stats *stats)
{
	int i;

	spin_lock(&pool->lock);
	stats->clean_pages = pool->clean_pages;
	stats->dirty_pages = pool->dirty_pages;
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		stats->clean[i] = pool->nr_clean[i];
		stats->dirty[i] = pool->nr_dirty[i];
	}
	stats->target_pages = __mmheap_pool_target(pool);
	spin_unlock(&pool->lock);

	stats->hits = atomic64_read(&pool->hits);
	stats->misses = atomic64_read(&pool->misses);
	stats->zeroed_bytes = atomic64_read(&pool->zeroed_bytes);
	stats->refill_ns = atomic64_read(&pool->refill_ns);
}

static void mmheap_pool_zero_chunk(struct page *page, unsigned int order)
{
	unsigned int i;

	for (i = 0; i < (1U << order); i++)
		clear_highpage(page + i);
}

/**
 * mmheap_pool_zero_dirty() - zero freed chunks and make them clean
 * @pool: the pool
 * @max_pages: stop after about this many pages
 *
 * Takes up to @max_pages worth of dirty chunks off the lists, zeroes them
 * with no lock held and puts them on the clean lists. The refill thread calls
 * this; it may sleep.
 *
 * Return: the number of pages zeroed.
 */
unsigned long mmheap_pool_zero_dirty(struct mmheap_pool *pool,
				     unsigned long max_pages)
{
	struct list_head batch[MMHEAP_NR_ORDERS];
	unsigned long done = 0;
	struct page *page, *tmp;
	u64 start;
	int i;

	for (i = 0; i < MMHEAP_NR_ORDERS; i++)
		INIT_LIST_HEAD(&batch[i]);

	spin_lock(&pool->lock);
	for (i = 0; i < MMHEAP_NR_ORDERS && done < max_pages; i++) {
		unsigned int order = mmheap_orders[i];

		while (done < max_pages && !list_empty(&pool->dirty[i])) {
			page = list_first_entry(&pool->dirty[i], struct page,
						lru);
			list_move_tail(&page->lru, &batch[i]);
			pool->nr_dirty[i]--;
			pool->dirty_pages -= 1UL << order;
			done += 1UL << order;
		}
	}
	spin_unlock(&pool->lock);

	if (!done)
		return 0;

	start = ktime_get_ns();
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		list_for_each_entry(page, &batch[i], lru) {
			mmheap_pool_zero_chunk(page, mmheap_orders[i]);
			cond_resched();
		}
	}
	atomic64_add(ktime_get_ns() - start, &pool->refill_ns);
	atomic64_add((u64)done << PAGE_SHIFT, &pool->zeroed_bytes);

	spin_lock(&pool->lock);
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		list_for_each_entry_safe(page, tmp, &batch[i], lru) {
			list_del(&page->lru);
			__mmheap_pool_add(pool, page, i, true);
		}
	}
	spin_unlock(&pool->lock);

	return done;
}

static bool mmheap_pool_above_high_wmark(unsigned int order)
{
	enum zone_type highest = gfp_zone(MMHEAP_REFILL_GFP);
	struct zone *zone;

	for_each_populated_zone(zone) {
		if (zone_idx(zone) > highest)
			continue;
		if (zone_watermark_ok(zone, order, high_wmark_pages(zone),
				      highest, 0))
			return true;
	}
	return false;
}

static bool mmheap_pool_can_refill(struct mmheap_pool *pool,
				   unsigned int order)
{
	if (pool->ops && pool->ops->can_refill)
		return pool->ops->can_refill(pool, order);
	return mmheap_pool_above_high_wmark(order);
}

static struct page *mmheap_pool_alloc_chunk(struct mmheap_pool *pool,
					    unsigned int *idx)
{
	struct page *page;
	gfp_t gfp;

	for (; *idx < MMHEAP_NR_ORDERS; (*idx)++) {
		unsigned int order = mmheap_orders[*idx];

		if (!mmheap_pool_can_refill(pool, order))
			continue;
		gfp = MMHEAP_REFILL_GFP;
		if (order)
			gfp |= __GFP_COMP;
		page = alloc_pages(gfp, order);
		if (page)
			return page;
	}
	return NULL;
}

/**
 * mmheap_pool_refill() - allocate zeroed chunks up to the pool's target
 * @pool: the pool
 * @max_pages: stop after about this many pages
 * @blocked: set to true if memory was too short to continue
 *
 * Allocates the largest chunks that fit the shortfall, without reclaim and
 * only while the zones are above their high watermarks, zeroes them with no
 * lock held and adds them to the clean lists. May sleep.
 *
 * Return: the number of pages added.
 */
unsigned long mmheap_pool_refill(struct mmheap_pool *pool,
				 unsigned long max_pages, bool *blocked)
{
	unsigned long done = 0, need;
	unsigned int idx = 0;
	struct page *page;
	u64 start;

	while (done < max_pages) {
		unsigned int order;

		spin_lock(&pool->lock);
		need = __mmheap_pool_target(pool);
		need -= min(need, pool->clean_pages + pool->dirty_pages);
		spin_unlock(&pool->lock);
		if (!need)
			break;

		while (idx < MMHEAP_NR_ORDERS - 1 &&
		       (1UL << mmheap_orders[idx]) > need)
			idx++;

		start = ktime_get_ns();
		page = mmheap_pool_alloc_chunk(pool, &idx);
		if (!page) {
			*blocked = true;
			break;
		}
		order = mmheap_orders[idx];
		mmheap_pool_zero_chunk(page, order);
		atomic64_add(ktime_get_ns() - start, &pool->refill_ns);
		atomic64_add(PAGE_SIZE << order, &pool->zeroed_bytes);

		spin_lock(&pool->lock);
		__mmheap_pool_add(pool, page, idx, true);
		mmheap_pool_account(page, order, 1);
		if (pool->prefill_pages)
			pool->last_use = jiffies;
		spin_unlock(&pool->lock);

		done += 1UL << order;
		cond_resched();
	}
	return done;
}

/*
 * Give back up to @nr_pages while the pool holds more than @keep: dirty first,
 * then clean, smallest order first. A chunk is never split, so the pool may
 * end below @keep; the refill tops it up again with smaller chunks.
 */
static unsigned long mmheap_pool_release(struct mmheap_pool *pool,
					 unsigned long nr_pages,
					 unsigned long keep)
{
	struct list_head victims[MMHEAP_NR_ORDERS];
	unsigned long freed = 0;
	struct page *page, *tmp;
	int pass, i;

	for (i = 0; i < MMHEAP_NR_ORDERS; i++)
		INIT_LIST_HEAD(&victims[i]);

	spin_lock(&pool->lock);
	for (pass = 0; pass < 2; pass++) {
		for (i = MMHEAP_NR_ORDERS - 1; i >= 0; i--) {
			unsigned int order = mmheap_orders[i];
			struct list_head *list = pass ? &pool->clean[i] :
							&pool->dirty[i];

			while (freed < nr_pages && !list_empty(list) &&
			       pool->clean_pages + pool->dirty_pages > keep) {
				page = list_first_entry(list, struct page,
							lru);
				list_move_tail(&page->lru, &victims[i]);
				if (pass) {
					pool->nr_clean[i]--;
					pool->clean_pages -= 1UL << order;
				} else {
					pool->nr_dirty[i]--;
					pool->dirty_pages -= 1UL << order;
				}
				mmheap_pool_account(page, order, -1);
				freed += 1UL << order;
			}
		}
	}
	spin_unlock(&pool->lock);

	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		list_for_each_entry_safe(page, tmp, &victims[i], lru) {
			list_del(&page->lru);
			__free_pages(page, mmheap_orders[i]);
		}
	}
	return freed;
}

/**
 * mmheap_pool_trim() - give back what the pool holds above its target
 * @pool: the pool
 * @max_pages: give back at most this many pages
 *
 * This is how a decayed prefill drains back to the low watermark and how a
 * lowered cap takes effect.
 *
 * Return: the number of pages given back.
 */
unsigned long mmheap_pool_trim(struct mmheap_pool *pool,
			       unsigned long max_pages)
{
	return mmheap_pool_release(pool, max_pages, mmheap_pool_target(pool));
}

/**
 * mmheap_pool_shrink_count() - pages the pool can give back
 * @pool: the pool
 *
 * Return: clean and dirty pages held by the pool.
 */
unsigned long mmheap_pool_shrink_count(struct mmheap_pool *pool)
{
	return READ_ONCE(pool->clean_pages) + READ_ONCE(pool->dirty_pages);
}

/**
 * mmheap_pool_shrink_scan() - give pages back to the page allocator
 * @pool: the pool
 * @nr_pages: how many pages to give back
 *
 * Dirty chunks go first, as they are not worth zeroing under pressure, then
 * clean ones, smallest order first, so the large chunks that are hardest to
 * get again stay longest. A chunk is never split, so slightly more than
 * @nr_pages may be given back.
 *
 * Return: the number of pages given back.
 */
unsigned long mmheap_pool_shrink_scan(struct mmheap_pool *pool,
				      unsigned long nr_pages)
{
	return mmheap_pool_release(pool, nr_pages, 0);
}

static unsigned long mmheap_pool_shrinker_count(struct shrinker *shrinker,
						struct shrink_control *sc)
{
	unsigned long count = mmheap_pool_shrink_count(shrinker->private_data);

	return count ? count : SHRINK_EMPTY;
}

static unsigned long mmheap_pool_shrinker_scan(struct shrinker *shrinker,
					       struct shrink_control *sc)
{
	struct mmheap_pool *pool = shrinker->private_data;
	unsigned long freed;

	freed = mmheap_pool_shrink_scan(pool, sc->nr_to_scan);
	trace_mmheap_shrink(pool->name, sc->nr_to_scan, freed);
	sc->nr_scanned = freed;
	return freed ? freed : SHRINK_STOP;
}

static void mmheap_pool_check_prefill(struct mmheap_pool *pool)
{
	bool reached = false;

	spin_lock(&pool->lock);
	__mmheap_pool_target(pool);
	if (pool->prefill_pages && !pool->prefill_reached &&
	    __mmheap_pool_prefill_done(pool)) {
		pool->prefill_reached = true;
		reached = true;
	}
	spin_unlock(&pool->lock);

	if (reached && pool->ops && pool->ops->prefill_done)
		pool->ops->prefill_done(pool);
}

/*
 * One bounded batch of work. Returns 0 when there may be more to do, else
 * how long the thread may sleep before something changes by itself.
 */
static long mmheap_pool_work(struct mmheap_pool *pool)
{
	unsigned long trimmed, zeroed = 0, added = 0, deadline;
	long timeout = MAX_SCHEDULE_TIMEOUT;
	bool blocked = false;

	WRITE_ONCE(pool->kicked, false);
	/*
	 * Order the clear before looking at the pool, so that a kick that
	 * comes after the look is seen by the next wait and is not lost.
	 */
	smp_mb();

	trimmed = mmheap_pool_trim(pool, MMHEAP_BATCH_PAGES);
	if (!trimmed)
		zeroed = mmheap_pool_zero_dirty(pool, MMHEAP_BATCH_PAGES);
	if (!trimmed && !zeroed)
		added = mmheap_pool_refill(pool, MMHEAP_BATCH_PAGES, &blocked);
	if (trimmed || zeroed || added)
		trace_mmheap_refill(pool->name, zeroed, added, trimmed,
				    mmheap_pool_shrink_count(pool));
	mmheap_pool_check_prefill(pool);
	if (blocked)
		timeout = MMHEAP_BACKOFF;
	else if (trimmed || zeroed || added)
		return 0;

	spin_lock(&pool->lock);
	if (pool->prefill_pages) {
		deadline = mmheap_pool_decay_deadline(pool) + 1;
		if (time_before(jiffies, deadline))
			timeout = min_t(long, timeout, deadline - jiffies);
		else
			timeout = 1;
	}
	spin_unlock(&pool->lock);
	return timeout;
}

/**
 * mmheap_pool_refill_thread() - the body of a pool's refill thread
 * @data: the pool
 *
 * Runs at SCHED_IDLE, so the pool is filled with CPU time nobody else wants.
 * Sleeps until a request, an allocation that leaves the pool short, a free or
 * a decay deadline; then zeroes freed chunks, tops the pool up to its target
 * or drains it down to it, in batches of MMHEAP_BATCH_PAGES. The thread is
 * freezable. Started by mmheap_pool_start_thread().
 *
 * Return: 0 when stopped with kthread_stop().
 */
int mmheap_pool_refill_thread(void *data)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_IDLE,
	};
	struct mmheap_pool *pool = data;
	long timeout;
	int ret;

	ret = sched_setattr_nocheck(current, &attr);
	if (ret)
		pr_warn("%s: cannot run the refill thread at SCHED_IDLE: %d\n",
			pool->name, ret);

	set_freezable();
	while (!kthread_freezable_should_stop(NULL)) {
		timeout = mmheap_pool_work(pool);
		if (!timeout) {
			cond_resched();
			continue;
		}
		/*
		 * kthread_stop() only sets a flag and wakes us: without
		 * kthread_should_stop() in the condition we would go back to
		 * sleep and the stop would wait for the next request.
		 */
		wait_event_freezable_timeout(pool->wait,
					     kthread_should_stop() ||
					     READ_ONCE(pool->kicked),
					     timeout);
	}
	return 0;
}

/**
 * mmheap_pool_start_thread() - start a pool's refill thread
 * @pool: the pool
 *
 * Does nothing if the thread runs already.
 *
 * Return: 0, or the error from kthread_run().
 */
int mmheap_pool_start_thread(struct mmheap_pool *pool)
{
	struct task_struct *thread;
	int ret = 0;

	mutex_lock(&pool->thread_lock);
	if (!pool->thread) {
		thread = kthread_run(mmheap_pool_refill_thread, pool,
				     "%s_refill", pool->name);
		if (IS_ERR(thread))
			ret = PTR_ERR(thread);
		else
			pool->thread = thread;
	}
	mutex_unlock(&pool->thread_lock);
	return ret;
}

/**
 * mmheap_pool_stop_thread() - stop a pool's refill thread
 * @pool: the pool
 *
 * Waits for the thread to finish its batch and exit. Dirty chunks are given
 * back to the page allocator, as nobody would zero them. Does nothing if the
 * thread is not running.
 */
void mmheap_pool_stop_thread(struct mmheap_pool *pool)
{
	unsigned long dirty;

	mutex_lock(&pool->thread_lock);
	if (pool->thread) {
		kthread_stop(pool->thread);
		pool->thread = NULL;
	}
	mutex_unlock(&pool->thread_lock);

	dirty = READ_ONCE(pool->dirty_pages);
	if (dirty)
		mmheap_pool_release(pool, dirty, READ_ONCE(pool->clean_pages));
}

/**
 * mmheap_pool_thread_running() - whether a pool's refill thread runs
 * @pool: the pool
 *
 * Return: true if the thread was started and not stopped.
 */
bool mmheap_pool_thread_running(struct mmheap_pool *pool)
{
	bool running;

	mutex_lock(&pool->thread_lock);
	running = pool->thread;
	mutex_unlock(&pool->thread_lock);
	return running;
}

/**
 * mmheap_pool_create() - create an empty pool
 * @name: name for the refill thread and the shrinker; must outlive the pool
 * @ops: owner's hooks, may be NULL
 * @priv: owner's data, kept in pool->priv
 *
 * The pool starts empty with no low watermark, a cap of a quarter of RAM and
 * a decay of 5 seconds. Its shrinker is registered; its thread is not started
 * (see mmheap_pool_start_thread()).
 *
 * Return: the pool, or an ERR_PTR() on failure.
 */
struct mmheap_pool *mmheap_pool_create(const char *name,
				       const struct mmheap_pool_ops *ops,
				       void *priv)
{
	struct mmheap_pool *pool;
	int i;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);

	pool->name = name;
	pool->ops = ops;
	pool->priv = priv;
	spin_lock_init(&pool->lock);
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		INIT_LIST_HEAD(&pool->clean[i]);
		INIT_LIST_HEAD(&pool->dirty[i]);
	}
	pool->cap_pages = totalram_pages() / 4;
	pool->cap_bytes = pool->cap_pages << PAGE_SHIFT;
	pool->decay_ms = MMHEAP_DEFAULT_DECAY_MS;
	pool->last_use = jiffies;
	init_waitqueue_head(&pool->wait);
	mutex_init(&pool->thread_lock);

	pool->shrinker = shrinker_alloc(0, "mmheap-%s", name);
	if (!pool->shrinker) {
		kfree(pool);
		return ERR_PTR(-ENOMEM);
	}
	pool->shrinker->count_objects = mmheap_pool_shrinker_count;
	pool->shrinker->scan_objects = mmheap_pool_shrinker_scan;
	pool->shrinker->private_data = pool;
	shrinker_register(pool->shrinker);

	return pool;
}

/**
 * mmheap_pool_destroy() - stop a pool's thread and free all its pages
 * @pool: the pool, may be NULL or an ERR_PTR()
 *
 * The caller must have given back or freed every chunk it took.
 */
void mmheap_pool_destroy(struct mmheap_pool *pool)
{
	if (IS_ERR_OR_NULL(pool))
		return;

	mmheap_pool_stop_thread(pool);
	shrinker_free(pool->shrinker);
	mmheap_pool_release(pool, ULONG_MAX, 0);
	kfree(pool);
}
