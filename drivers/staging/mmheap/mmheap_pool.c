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
 * puts chunks on a dirty list, never straight on a clean list, so no page
 * reaches a new owner with old data.
 *
 * The pool holds only what was asked for. Its target is the larger of the
 * standing low watermark and the pages still outstanding of a prefill
 * request, never above the cap. A prefill is consumed: every page allocated
 * while it is outstanding reduces it, so the pages a stream takes are not
 * allocated a second time behind it. A request that is not consumed decays
 * decay_ms after it was made or after the last allocation (refill progress
 * does not count), and a kernel worker, not the idle thread, then drains the
 * pool back to its target. Freed chunks above the target go straight back to
 * the page allocator; only chunks the pool keeps wait to be zeroed.
 *
 * A refill thread running at SCHED_IDLE zeroes the dirty chunks the pool
 * keeps and tops the clean lists up to the target, using CPU time nobody else
 * wants. Its chunks are allocated without reclaim and only while the zone
 * they come from is above its high watermark plus a margin (more for order
 * 0, whose allocation moves a per-CPU batch out of the zone's free count);
 * when blocked it backs off exponentially, it stays off for a while after
 * the shrinker took pages, and with nothing to do it sleeps without a
 * timeout.
 *
 * Locking: pool->lock is a raw spinlock that protects the lists, the counts
 * and the request state. It is held for a list splice or for at most
 * %MMHEAP_LOCK_BATCH list moves, never while allocating, freeing, zeroing or
 * waking anybody. A raw spinlock disables preemption on every kernel,
 * PREEMPT_RT included, so the SCHED_IDLE thread can never be preempted while
 * an allocation waits for the lock; a sleeping lock would let it be, and
 * rtmutex priority inheritance does not boost a SCHED_IDLE owner for a
 * SCHED_NORMAL waiter. The same holds for the page allocator's own locks
 * (zone->lock, the per-CPU list locks), which are sleeping locks on
 * PREEMPT_RT: the thread never calls the page allocator. A kworker allocates
 * each batch of chunks for it at SCHED_NORMAL and the thread then zeroes
 * them, which takes no lock at all; chunks go back to the page allocator
 * from the allocating or freeing task, the shrinker or a kworker, never from
 * the thread. All pooled pages are counted as NR_KERNEL_MISC_RECLAIMABLE.
 *
 * A write-combined pool (%MMHEAP_WRITECOMBINE) serves buffers the CPU maps
 * write-combined. On x86 the kernel's direct map of each of its chunks is
 * write-combined too, so that no page is mapped with two caching types:
 * the kworker that allocates a batch switches it with one
 * set_pages_array_wc() call, the thread zeroes the chunks through that
 * mapping, and whoever gives a chunk back to the page allocator switches it
 * back to write-back first, with set_pages_wb(). An allocation served from
 * the pool does no cache maintenance at all. The switches take cpa_lock (a
 * spinlock_t) and, to find that the pages are RAM, resource_lock (an
 * rwlock_t), both sleeping locks on PREEMPT_RT, so the thread never makes
 * them. Elsewhere the direct map stays write-back and the thread cleans each
 * chunk from the CPU caches once, after zeroing it, with
 * arch_dma_prep_coherent(); an architecture that has neither (no
 * ARCH_HAS_DMA_PREP_COHERENT) gets no write-combined pool, see
 * mmheap_pool_wc_supported().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <uapi/linux/sched/types.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/dma-map-ops.h>
#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include "mmheap_pool.h"
#include "mmheap_trace.h"

const unsigned int mmheap_orders[MMHEAP_NR_ORDERS] = { MMHEAP_MAX_ORDER, 4, 0 };

/*
 * The refill must never slow anybody down: no direct reclaim, no kswapd
 * wake-up, no retries and no warning when a high order is not there. No
 * __GFP_ZERO: the SCHED_IDLE thread zeroes, see mmheap_pool_refill().
 */
#define MMHEAP_REFILL_GFP	((GFP_HIGHUSER | __GFP_NOWARN | \
				  __GFP_NORETRY) & ~__GFP_RECLAIM)

/* Blocked refills retry after 100 ms, doubling up to 8 s. */
#define MMHEAP_BACKOFF_MIN	(HZ / 10)
#define MMHEAP_BACKOFF_MAX	(8 * HZ)

/* After the shrinker took pages, the thread leaves the pool alone this long. */
#define MMHEAP_SHRINK_HOLDOFF	(2 * HZ)

/*
 * A HAL prefills when the camera app starts and allocates when the user
 * opens the camera: seconds later, sometimes ten. The request is consumed
 * by those allocations, so holding it longer costs nothing once they came.
 */
#define MMHEAP_DEFAULT_DECAY_MS	15000

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

/**
 * mmheap_prefill_state_name() - the name sysfs shows for a prefill state
 * @state: the state
 *
 * Return: "none", "pending", "done", "blocked" or "expired".
 */
const char *mmheap_prefill_state_name(enum mmheap_prefill_state state)
{
	static const char * const names[] = {
		[MMHEAP_PREFILL_NONE] = "none",
		[MMHEAP_PREFILL_PENDING] = "pending",
		[MMHEAP_PREFILL_DONE] = "done",
		[MMHEAP_PREFILL_BLOCKED] = "blocked",
		[MMHEAP_PREFILL_EXPIRED] = "expired",
	};

	if (state >= ARRAY_SIZE(names))
		return "?";
	return names[state];
}

/*
 * Bytes to pages, rounded up: not DIV_ROUND_UP(), whose addition wraps a
 * huge count round to 0, and clamped where unsigned long is 32 bits.
 */
static unsigned long mmheap_bytes_to_pages(u64 bytes)
{
	u64 pages = (bytes >> PAGE_SHIFT) + !!(bytes & ~PAGE_MASK);

	return min_t(u64, pages, ULONG_MAX);
}

/*
 * Pooled pages are counted as NR_KERNEL_MISC_RECLAIMABLE of their node, with
 * one vmstat update per run of chunks from one node rather than one per
 * chunk: mmheap_run_add() each chunk as it moves, mmheap_run_flush() at the
 * end.
 */
struct mmheap_node_run {
	struct pglist_data *pgdat;
	long pages;
};

static void mmheap_run_flush(struct mmheap_node_run *run)
{
	if (run->pages)
		mod_node_page_state(run->pgdat, NR_KERNEL_MISC_RECLAIMABLE,
				    run->pages);
	run->pages = 0;
}

static void mmheap_run_add(struct mmheap_node_run *run, struct page *page,
			   long pages)
{
	struct pglist_data *pgdat = page_pgdat(page);

	if (pgdat != run->pgdat) {
		mmheap_run_flush(run);
		run->pgdat = pgdat;
	}
	run->pages += pages;
}

/* vmstat accounting for a list of chunks of any order. */
static void mmheap_pool_account_list(struct list_head *list, long sign)
{
	struct mmheap_node_run run = {};
	struct page *page;

	list_for_each_entry(page, list, lru)
		mmheap_run_add(&run, page,
			       sign * (1L << compound_order(page)));
	mmheap_run_flush(&run);
}

#ifdef CONFIG_X86
/*
 * Switch the direct map of every page of the @nr lists of chunks to
 * write-combining with one set_pages_array_wc() call, using @pages (room
 * for @max pages) or, if NULL, an array allocated here. For RAM the memory
 * type lives in each page's flags (reserve_ram_pages_type() and
 * free_ram_pages_type() in arch/x86/mm/pat/memtype.c), not in a tree of
 * ranges, so a chunk switched in an array goes back on its own with
 * set_pages_wb().
 */
static int mmheap_set_wc(struct list_head *lists, unsigned int nr,
			 struct page **pages, unsigned long max)
{
	struct page **array = pages, *page;
	unsigned long n = 0, i;
	unsigned int l;
	int ret;

	for (l = 0; l < nr; l++)
		list_for_each_entry(page, &lists[l], lru)
			n += compound_nr(page);
	if (!n)
		return 0;
	if (WARN_ON_ONCE(n > INT_MAX || (pages && n > max)))
		return -EINVAL;
	if (!array)
		array = kvmalloc_array(n, sizeof(*array), GFP_KERNEL);
	if (!array)
		return -ENOMEM;
	n = 0;
	for (l = 0; l < nr; l++)
		list_for_each_entry(page, &lists[l], lru)
			for (i = 0; i < compound_nr(page); i++)
				array[n++] = page + i;
	ret = set_pages_array_wc(array, n);
	if (array != pages)
		kvfree(array);
	return ret;
}
#endif

#ifndef CONFIG_X86
/*
 * Outside x86: write the chunk's lines back to memory and drop them from
 * the CPU caches, so that neither a device nor a write-combined mapping
 * sees anything else than memory, and no dirty line of the cached direct
 * map is written back over what they wrote later. arch_dma_prep_coherent()
 * only cleans (arm64: dcache_clean_poc()); arch_sync_dma_for_cpu() with
 * DMA_FROM_DEVICE invalidates, where the architecture has it.
 */
static void mmheap_clean_chunk(struct page *page, size_t size)
{
	arch_dma_prep_coherent(page, size);
	arch_sync_dma_for_cpu(page_to_phys(page), size, DMA_FROM_DEVICE);
}
#endif

/**
 * mmheap_pool_wc_supported() - whether write-combined pools can be had here
 *
 * A write-combined pool must get its zeroes out of the CPU caches before a
 * device that does not snoop them reads the pages: x86 switches the direct
 * map, other architectures clean the pages with arch_dma_prep_coherent(),
 * which is an empty stub without ARCH_HAS_DMA_PREP_COHERENT
 * (include/linux/dma-map-ops.h). UML has no device to read around the
 * caches, so its pools are for testing.
 *
 * Return: true on x86, UML and architectures with
 * ARCH_HAS_DMA_PREP_COHERENT.
 */
bool mmheap_pool_wc_supported(void)
{
	return IS_ENABLED(CONFIG_X86) || IS_ENABLED(CONFIG_UML) ||
	       IS_ENABLED(CONFIG_ARCH_HAS_DMA_PREP_COHERENT);
}

/**
 * mmheap_pool_set_wc() - prepare new zeroed chunks for a write-combined pool
 * @chunks: chunks from the page allocator, linked through page->lru
 *
 * What an allocation must do with chunks it took from the page allocator
 * for a write-combined pool: on x86 their direct map is switched to
 * write-combining (which flushes them from the CPU caches); elsewhere they
 * are cleaned from the CPU caches. The chunks then belong to the pool's
 * caching type and go back through mmheap_pool_put_list() or
 * mmheap_pool_free_chunks(), also if this fails. May sleep.
 *
 * Return: 0, or -ENOMEM or -EINVAL from the switch.
 */
int mmheap_pool_set_wc(struct list_head *chunks)
{
#ifdef CONFIG_X86
	return mmheap_set_wc(chunks, 1, NULL, 0);
#else
	struct page *page;

	list_for_each_entry(page, chunks, lru)
		mmheap_clean_chunk(page, page_size(page));
	return 0;
#endif
}

/**
 * mmheap_pool_free_chunks() - give chunks back to the page allocator
 * @pool: the pool whose caching type the chunks have
 * @chunks: compound (or order-0) pages linked through page->lru; emptied
 *
 * On x86 the chunks of a write-combined pool are switched back to
 * write-back first, one set_pages_wb() per chunk, as TTM frees its pages:
 * that allocates nothing, so the shrinker can call it. A chunk that cannot
 * be switched back is leaked with an error rather than given to the page
 * allocator write-combined. Never called from the refill thread; may sleep
 * for a write-combined pool.
 */
void mmheap_pool_free_chunks(struct mmheap_pool *pool,
			     struct list_head *chunks)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, chunks, lru) {
		list_del(&page->lru);
#ifdef CONFIG_X86
		if (pool->caching == MMHEAP_WRITECOMBINE &&
		    set_pages_wb(page, compound_nr(page))) {
			pr_err_ratelimited("%s: %lu pages stay write-combined: leaked\n",
					   pool->name, compound_nr(page));
			continue;
		}
#endif
		__free_pages(page, compound_order(page));
	}
}

static void mmheap_pool_kick(struct mmheap_pool *pool)
{
	struct task_struct *task;

	WRITE_ONCE(pool->kicked, true);
	/* wake_up_process() orders the store before its look at the task. */
	rcu_read_lock();
	task = rcu_dereference(pool->waker);
	if (task)
		wake_up_process(task);
	rcu_read_unlock();
}

/*
 * sysfs_notify() takes kernfs_rwsem, a sleeping lock: from a work item,
 * neither an allocation nor the SCHED_IDLE thread ever holds or waits for it.
 * The work goes to an unbound worker: the allocation that consumes the last
 * of a prefill changes the state, and a per-CPU worker, woken on the
 * allocating CPU, would usually run there, sysfs_notify() and all, before
 * the ioctl returns to user space. An unbound one usually runs on a CPU
 * that is idle; a latency heuristic, not a guarantee.
 */
static void mmheap_pool_notify(struct mmheap_pool *pool)
{
	if (pool->ops && pool->ops->state_changed)
		queue_work(system_unbound_wq, &pool->notify_work);
}

/*
 * For the changes an allocation or a release makes: waking the unbound
 * worker from the ioctl would wake an idle CPU, an IPI. A lazy irq_work
 * only adds itself to this CPU's list, which the next tick runs
 * (kernel/irq_work.c:110; on PREEMPT_RT the tick wakes the irq_work
 * thread), and that queues the work. Changes within that tick are told
 * once, as the state they led to.
 */
static void mmheap_pool_notify_lazy(struct mmheap_pool *pool)
{
	if (pool->ops && pool->ops->state_changed)
		irq_work_queue(&pool->notify_irq_work);
}

static void mmheap_pool_notify_irq_fn(struct irq_work *work)
{
	struct mmheap_pool *pool = container_of(work, struct mmheap_pool,
						notify_irq_work);

	queue_work(system_unbound_wq, &pool->notify_work);
}

static void mmheap_pool_notify_fn(struct work_struct *work)
{
	struct mmheap_pool *pool = container_of(work, struct mmheap_pool,
						notify_work);

	pool->ops->state_changed(pool);
}

/*
 * Returns when no call of @pool's ops->state_changed is queued or running.
 * The caller must first stop whatever changes the state. May sleep.
 */
static void mmheap_pool_cancel_notify(struct mmheap_pool *pool)
{
	irq_work_sync(&pool->notify_irq_work);
	cancel_work_sync(&pool->notify_work);
}

/* Called with pool->lock held. */
static unsigned long __mmheap_pool_target(struct mmheap_pool *pool)
{
	return min(max(pool->prefill_pages, pool->low_pages), pool->cap_pages);
}

/* Called with pool->lock held: pages held or promised. */
static unsigned long __mmheap_pool_level(struct mmheap_pool *pool)
{
	return pool->clean_pages + pool->dirty_pages + pool->reserved_pages;
}

/* Called with pool->lock held: the shrinker's hold-off is in force. */
static bool mmheap_pool_held(struct mmheap_pool *pool)
{
	return time_before64(get_jiffies_64(), pool->hold_until);
}

/* Called with pool->lock held; returns true if the state changed. */
static bool __mmheap_pool_sync_state(struct mmheap_pool *pool)
{
	enum mmheap_prefill_state state = pool->state;

	if (state == MMHEAP_PREFILL_NONE || state == MMHEAP_PREFILL_EXPIRED)
		return false;
	if (!pool->prefill_pages)
		state = MMHEAP_PREFILL_NONE;
	else if (pool->clean_pages >= pool->prefill_pages)
		state = MMHEAP_PREFILL_DONE;
	else if (pool->blocked || pool->prefill_pages > pool->cap_pages ||
		 mmheap_pool_held(pool))
		state = MMHEAP_PREFILL_BLOCKED;
	else
		state = MMHEAP_PREFILL_PENDING;
	if (state == pool->state)
		return false;
	WRITE_ONCE(pool->state, state);
	return true;
}

/**
 * mmheap_pool_target() - the level the refill thread fills the pool to
 * @pool: the pool
 *
 * The target is the low watermark, raised to what is still outstanding of
 * a prefill request, and never above the pool's cap.
 *
 * Return: the target in pages, clean and dirty together.
 */
unsigned long mmheap_pool_target(struct mmheap_pool *pool)
{
	unsigned long target;

	raw_spin_lock(&pool->lock);
	target = __mmheap_pool_target(pool);
	raw_spin_unlock(&pool->lock);
	return target;
}

/**
 * mmheap_pool_take() - take zeroed chunks out of a pool
 * @pool: the pool
 * @idx: index of the order in mmheap_orders
 * @nr: most chunks to take
 * @list: where the chunks are added, linked through page->lru
 *
 * Never zeroes, never sleeps and never enters the page allocator: it hands
 * out what the pool holds, %MMHEAP_LOCK_BATCH chunks per hold of the lock.
 * The pages are no longer counted as pooled, with one vmstat update per run
 * of chunks from one node. The caller records the allocation with
 * mmheap_pool_note_alloc().
 *
 * Return: the number of chunks added to @list.
 */
unsigned int mmheap_pool_take(struct mmheap_pool *pool, unsigned int idx,
			      unsigned int nr, struct list_head *list)
{
	unsigned int order = mmheap_orders[idx];
	struct mmheap_node_run run = {};
	unsigned int n = 0, got;
	struct page *page;
	LIST_HEAD(batch);

	while (n < nr) {
		got = 0;
		raw_spin_lock(&pool->lock);
		/*
		 * Count the chunks of each run from one node as they move, so
		 * that the vmstat update needs no second walk over them (one
		 * update, after the lock, on a machine with one node).
		 */
		while (n + got < nr && got < MMHEAP_LOCK_BATCH &&
		       !list_empty(&pool->clean[idx])) {
			page = list_first_entry(&pool->clean[idx], struct page,
						lru);
			mmheap_run_add(&run, page, -(1L << order));
			list_move_tail(&page->lru, &batch);
			got++;
		}
		pool->nr_clean[idx] -= got;
		pool->clean_pages -= (unsigned long)got << order;
		raw_spin_unlock(&pool->lock);

		if (!got)
			break;
		mmheap_run_flush(&run);
		list_splice_tail_init(&batch, list);
		n += got;
	}

	if (n)
		atomic64_add(n, &pool->hits);
	return n;
}

/**
 * mmheap_pool_note_alloc() - record an allocation that used this pool
 * @pool: the pool
 * @pages: pages the allocation took, from the pool and elsewhere
 * @misses: chunks the caller had to allocate from the page allocator
 *
 * The allocation consumes an outstanding prefill request by @pages and
 * restarts its decay. Wakes the refill thread only if the pool is still
 * below its target (a prefill not yet filled, or the low watermark).
 */
void mmheap_pool_note_alloc(struct mmheap_pool *pool, unsigned long pages,
			    unsigned long misses)
{
	bool changed, low;

	if (misses)
		atomic64_add(misses, &pool->misses);

	raw_spin_lock(&pool->lock);
	pool->last_use = jiffies;
	WRITE_ONCE(pool->prefill_pages,
		   pool->prefill_pages - min(pages, pool->prefill_pages));
	changed = __mmheap_pool_sync_state(pool);
	/* A blocked thread retries on its back-off, not on every buffer. */
	low = __mmheap_pool_level(pool) < __mmheap_pool_target(pool) &&
	      !pool->blocked;
	raw_spin_unlock(&pool->lock);

	if (changed)
		mmheap_pool_notify_lazy(pool);
	if (low)
		mmheap_pool_kick(pool);
}

/**
 * mmheap_pool_put_list() - give a buffer's chunks back to a pool
 * @pool: the pool
 * @chunks: compound (or order-0) pages linked through page->lru; emptied
 * @clean: the chunks are known to be zero (never seen by their owner)
 *
 * The pool keeps only what it is short of its target: those chunks go to
 * the dirty lists, to be zeroed by the refill thread before they are handed
 * out again (or to the clean lists if @clean). Every other chunk goes
 * straight back to the page allocator. Takes the lock twice per call,
 * whatever the number of chunks, and wakes the refill thread at most once.
 */
void mmheap_pool_put_list(struct mmheap_pool *pool, struct list_head *chunks,
			  bool clean)
{
	struct list_head keep[MMHEAP_NR_ORDERS];
	unsigned long total = 0, room, kept = 0;
	unsigned long kept_pages[MMHEAP_NR_ORDERS] = {};
	unsigned long kept_nr[MMHEAP_NR_ORDERS] = {};
	struct page *page, *tmp;
	LIST_HEAD(all_kept);
	LIST_HEAD(release);
	bool changed = false;
	int i;

	for (i = 0; i < MMHEAP_NR_ORDERS; i++)
		INIT_LIST_HEAD(&keep[i]);
	list_for_each_entry(page, chunks, lru)
		total += 1UL << compound_order(page);

	raw_spin_lock(&pool->lock);
	room = __mmheap_pool_target(pool);
	room -= min(room, __mmheap_pool_level(pool));
	room = min(room, total);
	/* Under memory pressure the pool does not grow back from frees. */
	if (!clean && mmheap_pool_held(pool))
		room = 0;
	pool->reserved_pages += room;
	raw_spin_unlock(&pool->lock);

	list_for_each_entry_safe(page, tmp, chunks, lru) {
		unsigned int order = compound_order(page);
		int idx = mmheap_pool_order_index(order);

		if (idx < 0 || kept + (1UL << order) > room) {
			list_move_tail(&page->lru, &release);
			continue;
		}
		list_move_tail(&page->lru, &keep[idx]);
		kept += 1UL << order;
		kept_pages[idx] += 1UL << order;
		kept_nr[idx]++;
	}
	for (i = 0; i < MMHEAP_NR_ORDERS; i++)
		mmheap_pool_account_list(&keep[i], 1);

	raw_spin_lock(&pool->lock);
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		if (clean) {
			list_splice_tail(&keep[i], &pool->clean[i]);
			pool->nr_clean[i] += kept_nr[i];
			pool->clean_pages += kept_pages[i];
		} else {
			list_splice_tail(&keep[i], &pool->dirty[i]);
			pool->nr_dirty[i] += kept_nr[i];
			pool->dirty_pages += kept_pages[i];
		}
	}
	pool->reserved_pages -= room;
	if (clean)
		changed = __mmheap_pool_sync_state(pool);
	raw_spin_unlock(&pool->lock);

	mmheap_pool_free_chunks(pool, &release);
	if (changed)
		mmheap_pool_notify_lazy(pool);
	if (kept && !clean)
		mmheap_pool_kick(pool);
}

/**
 * mmheap_pool_put() - give one chunk back to a pool
 * @pool: the pool
 * @page: the chunk, of order mmheap_orders[@idx]
 * @idx: index of the order in mmheap_orders
 *
 * As mmheap_pool_put_list() for a buffer of one chunk.
 */
void mmheap_pool_put(struct mmheap_pool *pool, struct page *page,
		     unsigned int idx)
{
	LIST_HEAD(one);

	WARN_ON_ONCE(compound_order(page) != mmheap_orders[idx]);
	list_add(&page->lru, &one);
	mmheap_pool_put_list(pool, &one, false);
}

/**
 * mmheap_pool_set_prefill() - ask that the pool hold @bytes of zeroed pages
 * @pool: the pool
 * @bytes: the request, rounded up to whole pages; 0 cancels
 *
 * Replaces any earlier request. The refill thread fills the pool up to the
 * request (never above the cap); allocations consume it; what is not
 * consumed decays decay_ms after this call or after the last allocation.
 *
 * Return: 0.
 */
int mmheap_pool_set_prefill(struct mmheap_pool *pool, u64 bytes)
{
	unsigned long pages = mmheap_bytes_to_pages(bytes);
	unsigned long delay;

	raw_spin_lock(&pool->lock);
	WRITE_ONCE(pool->prefill_pages, pages);
	WRITE_ONCE(pool->state,
		   pages ? MMHEAP_PREFILL_PENDING : MMHEAP_PREFILL_NONE);
	pool->blocked = false;
	pool->last_use = jiffies;
	__mmheap_pool_sync_state(pool);
	delay = msecs_to_jiffies(pool->decay_ms);
	raw_spin_unlock(&pool->lock);

	mmheap_pool_notify(pool);
	/* A cancelled request drains at once, a new one at its deadline. */
	mod_delayed_work(system_unbound_wq, &pool->decay_work,
			 pages ? delay + 1 : 0);
	if (pages)
		mmheap_pool_kick(pool);
	return 0;
}

/**
 * mmheap_pool_get_prefill() - what is outstanding of the prefill request
 * @pool: the pool
 *
 * Return: the bytes not yet consumed by allocations; 0 when there is no
 * request or it has decayed.
 */
u64 mmheap_pool_get_prefill(struct mmheap_pool *pool)
{
	return (u64)READ_ONCE(pool->prefill_pages) << PAGE_SHIFT;
}

/**
 * mmheap_pool_prefill_state() - where the prefill request stands
 * @pool: the pool
 *
 * Reading the state never changes it.
 *
 * Return: the state.
 */
enum mmheap_prefill_state mmheap_pool_prefill_state(struct mmheap_pool *pool)
{
	return READ_ONCE(pool->state);
}

/**
 * mmheap_pool_expire() - drop a prefill request whose decay has run out
 * @pool: the pool
 *
 * The decay worker calls this; it does not trim.
 *
 * Return: true if a request expired (its state is now expired).
 */
bool mmheap_pool_expire(struct mmheap_pool *pool)
{
	bool expired = false;

	raw_spin_lock(&pool->lock);
	if (pool->prefill_pages &&
	    time_after_eq(jiffies, pool->last_use +
			  msecs_to_jiffies(pool->decay_ms))) {
		WRITE_ONCE(pool->prefill_pages, 0);
		WRITE_ONCE(pool->state, MMHEAP_PREFILL_EXPIRED);
		expired = true;
	}
	raw_spin_unlock(&pool->lock);
	return expired;
}

/**
 * mmheap_pool_set_low_watermark() - set the standing level of the pool
 * @pool: the pool
 * @bytes: pages the thread keeps in the pool with no request, in bytes
 *
 * Return: 0, or -ERANGE if @bytes is above the pool's cap.
 */
int mmheap_pool_set_low_watermark(struct mmheap_pool *pool, u64 bytes)
{
	unsigned long pages = mmheap_bytes_to_pages(bytes);

	raw_spin_lock(&pool->lock);
	if (bytes > pool->cap_bytes) {
		raw_spin_unlock(&pool->lock);
		return -ERANGE;
	}
	pool->low_pages = pages;
	pool->low_bytes = bytes;
	raw_spin_unlock(&pool->lock);

	mod_delayed_work(system_unbound_wq, &pool->decay_work, 0);
	mmheap_pool_kick(pool);
	return 0;
}

/**
 * mmheap_pool_set_cap() - set the most the pool may hold
 * @pool: the pool
 * @bytes: the cap for clean and dirty pages together, in bytes
 *
 * A pool above its new cap is trimmed at once by a kernel worker.
 *
 * Return: 0, or -ERANGE if @bytes is below the low watermark.
 */
int mmheap_pool_set_cap(struct mmheap_pool *pool, u64 bytes)
{
	bool changed;

	raw_spin_lock(&pool->lock);
	if (bytes < pool->low_bytes) {
		raw_spin_unlock(&pool->lock);
		return -ERANGE;
	}
	pool->cap_pages = min_t(u64, bytes >> PAGE_SHIFT, ULONG_MAX);
	pool->cap_bytes = bytes;
	changed = __mmheap_pool_sync_state(pool);
	raw_spin_unlock(&pool->lock);

	if (changed)
		mmheap_pool_notify(pool);
	mod_delayed_work(system_unbound_wq, &pool->decay_work, 0);
	mmheap_pool_kick(pool);
	return 0;
}

/**
 * mmheap_pool_get_low_watermark() - the standing level of the pool
 * @pool: the pool
 *
 * Return: the low watermark in bytes, as set.
 */
u64 mmheap_pool_get_low_watermark(struct mmheap_pool *pool)
{
	u64 bytes;

	raw_spin_lock(&pool->lock);
	bytes = pool->low_bytes;
	raw_spin_unlock(&pool->lock);
	return bytes;
}

/**
 * mmheap_pool_get_cap() - the most the pool may hold
 * @pool: the pool
 *
 * Return: the cap in bytes, as set.
 */
u64 mmheap_pool_get_cap(struct mmheap_pool *pool)
{
	u64 bytes;

	raw_spin_lock(&pool->lock);
	bytes = pool->cap_bytes;
	raw_spin_unlock(&pool->lock);
	return bytes;
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
 * @ms: milliseconds after the request or the last allocation
 */
void mmheap_pool_set_decay_ms(struct mmheap_pool *pool, unsigned int ms)
{
	raw_spin_lock(&pool->lock);
	pool->decay_ms = ms;
	raw_spin_unlock(&pool->lock);

	mod_delayed_work(system_unbound_wq, &pool->decay_work, 0);
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

	raw_spin_lock(&pool->lock);
	stats->clean_pages = pool->clean_pages;
	stats->dirty_pages = pool->dirty_pages;
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		stats->clean[i] = pool->nr_clean[i];
		stats->dirty[i] = pool->nr_dirty[i];
	}
	stats->target_pages = __mmheap_pool_target(pool);
	stats->prefill_pages = pool->prefill_pages;
	stats->state = pool->state;
	raw_spin_unlock(&pool->lock);

	stats->hits = atomic64_read(&pool->hits);
	stats->misses = atomic64_read(&pool->misses);
	stats->zeroed_bytes = atomic64_read(&pool->zeroed_bytes);
	stats->refill_ns = atomic64_read(&pool->refill_ns);
	stats->wakeups = atomic64_read(&pool->wakeups);
}

/*
 * Zero a chunk through the kernel's mapping of it: for a write-combined pool
 * that is write-combined on x86 (the stores are then drained), and cached
 * elsewhere (the chunk is then cleaned from the CPU caches). @zero false:
 * the page allocator zeroed it already (init_on_alloc).
 */
static void mmheap_pool_zero_chunk(struct mmheap_pool *pool,
				   struct page *page, unsigned int order,
				   bool zero)
{
	unsigned int i;

	for (i = 0; zero && i < (1U << order); i++)
		clear_highpage(page + i);
	if (pool->caching != MMHEAP_WRITECOMBINE)
		return;
#ifdef CONFIG_X86
	/* Drain the write-combining buffers before it is listed. */
	wmb();
#else
	mmheap_clean_chunk(page, PAGE_SIZE << order);
#endif
}

/**
 * mmheap_pool_zero_dirty() - zero freed chunks and make them clean
 * @pool: the pool
 * @max_pages: stop after about this many pages
 *
 * Takes dirty chunks off the lists, %MMHEAP_LOCK_BATCH at a time, zeroes
 * them with no lock held and splices them onto the clean lists. The refill
 * thread calls this; it may sleep.
 *
 * Return: the number of pages zeroed.
 */
unsigned long mmheap_pool_zero_dirty(struct mmheap_pool *pool,
				     unsigned long max_pages)
{
	unsigned long done = 0;
	bool changed = false;
	int i;

	for (i = 0; i < MMHEAP_NR_ORDERS && done < max_pages; i++) {
		unsigned int order = mmheap_orders[i];

		while (done < max_pages) {
			unsigned long n = 0;
			struct page *page;
			LIST_HEAD(batch);
			u64 start;

			raw_spin_lock(&pool->lock);
			while (n < MMHEAP_LOCK_BATCH &&
			       done + (n << order) < max_pages &&
			       !list_empty(&pool->dirty[i])) {
				page = list_first_entry(&pool->dirty[i],
							struct page, lru);
				list_move_tail(&page->lru, &batch);
				n++;
			}
			pool->nr_dirty[i] -= n;
			pool->dirty_pages -= n << order;
			/* Keep counting them while they are off the lists. */
			pool->reserved_pages += n << order;
			raw_spin_unlock(&pool->lock);
			if (!n)
				break;

			start = ktime_get_ns();
			list_for_each_entry(page, &batch, lru) {
				mmheap_pool_zero_chunk(pool, page, order, true);
				cond_resched();
			}
			atomic64_add(ktime_get_ns() - start, &pool->refill_ns);
			atomic64_add((u64)n << (order + PAGE_SHIFT),
				     &pool->zeroed_bytes);

			raw_spin_lock(&pool->lock);
			list_splice_tail(&batch, &pool->clean[i]);
			pool->nr_clean[i] += n;
			pool->clean_pages += n << order;
			pool->reserved_pages -= n << order;
			changed |= __mmheap_pool_sync_state(pool);
			raw_spin_unlock(&pool->lock);
			done += n << order;
		}
	}
	if (changed)
		mmheap_pool_notify(pool);
	return done;
}

/*
 * The refill's gfp for @pool. A write-combined pool takes no highmem page,
 * whose kmap would be a second, cached, mapping.
 */
static gfp_t mmheap_pool_refill_gfp(struct mmheap_pool *pool)
{
	if (pool->caching == MMHEAP_WRITECOMBINE)
		return MMHEAP_REFILL_GFP & ~__GFP_HIGHMEM;
	return MMHEAP_REFILL_GFP;
}

/*
 * Does the page allocator serve @order from the per-CPU lists? As
 * pcp_allowed_order() in mm/page_alloc.c, which is not exported.
 */
static bool mmheap_pcp_order(unsigned int order)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (order == HPAGE_PMD_ORDER)
		return true;
#endif
	return order <= PAGE_ALLOC_COSTLY_ORDER;
}

/*
 * Would an allocation of @order with @gfp leave the zone it comes from
 * (the first zone of this node's zonelist @gfp may use) above its high
 * watermark, with a refill batch to spare?
 *
 * An order the per-CPU lists serve (order 0 of mmheap's orders on x86) is
 * taken from the CPU's list, and an empty list is filled from the buddy
 * lists with up to pageset_batch << CONFIG_PCP_BATCH_SCALE_MAX pages at
 * once: the factor grows while a CPU allocates with no free in between
 * and halves at each free (nr_pcp_alloc() and
 * free_unref_page_commit() in mm/page_alloc.c). Those pages leave the
 * zone's free count: allow for them, or one allocation can take the zone
 * below its low watermark.
 */
static bool mmheap_pool_above_high_wmark(unsigned int order, gfp_t gfp)
{
	enum zone_type highest = gfp_zone(gfp);
	unsigned long mark;
	struct zoneref *z;
	struct zone *zone;
	int batch;

	z = first_zones_zonelist(node_zonelist(numa_node_id(), gfp), highest,
				 NULL);
	zone = zonelist_zone(z);
	if (!zone)
		return false;
	mark = high_wmark_pages(zone) + MMHEAP_BATCH_PAGES;
	if (mmheap_pcp_order(order)) {
		batch = max(READ_ONCE(zone->pageset_batch), 1);
		mark += (unsigned long)batch << CONFIG_PCP_BATCH_SCALE_MAX;
	}
	return zone_watermark_ok(zone, order, mark, highest, 0);
}

static bool mmheap_pool_can_refill(struct mmheap_pool *pool,
				   unsigned int order)
{
	if (pool->ops && pool->ops->can_refill)
		return pool->ops->can_refill(pool, order);
	return mmheap_pool_above_high_wmark(order,
					    mmheap_pool_refill_gfp(pool));
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
		gfp = mmheap_pool_refill_gfp(pool);
		if (order)
			gfp |= __GFP_COMP;
		page = alloc_pages(gfp, order);
		if (page)
			return page;
	}
	return NULL;
}

/*
 * One batch of the refill's page allocations. A kworker makes them, never
 * the SCHED_IDLE thread: the page allocator takes zone->lock and the per-CPU
 * list locks, which on PREEMPT_RT are rtmutexes whose priority inheritance
 * cannot lift a SCHED_IDLE owner for a SCHED_NORMAL waiter. An allocation
 * must not wait while hogs starve the thread with one of them held.
 */
struct mmheap_alloc_batch {
	struct work_struct work;
	struct mmheap_pool *pool;
	unsigned long need;	/* pages still wanted */
	unsigned long got;	/* pages allocated */
	unsigned int idx;	/* index of the largest order still tried */
	bool blocked;		/* an allocation failed or was not allowed */
	struct list_head list[MMHEAP_NR_ORDERS];
	unsigned long nr[MMHEAP_NR_ORDERS];
};

/*
 * A write-combined pool's batch: its direct map switched in one call, here
 * in the kworker and not in the thread, as cpa_lock is a sleeping lock on
 * PREEMPT_RT; with the pool's own array, so that nothing is allocated. If
 * the switch fails, the batch goes back to the page allocator.
 */
static void mmheap_pool_batch_wc(struct mmheap_alloc_batch *b)
{
#ifdef CONFIG_X86
	int i;

	if (!mmheap_set_wc(b->list, MMHEAP_NR_ORDERS, b->pool->wc_pages,
			   MMHEAP_WC_BATCH_PAGES))
		return;
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		b->nr[i] = 0;
		mmheap_pool_free_chunks(b->pool, &b->list[i]);
	}
	b->got = 0;
	b->blocked = true;
#endif
}

static void mmheap_pool_alloc_batch_fn(struct work_struct *work)
{
	struct mmheap_alloc_batch *b = container_of(work,
						    struct mmheap_alloc_batch,
						    work);
	struct page *page;
	unsigned int n;

	for (n = 0; n < MMHEAP_LOCK_BATCH && b->got < b->need; n++) {
		while (b->idx < MMHEAP_NR_ORDERS - 1 &&
		       (1UL << mmheap_orders[b->idx]) > b->need - b->got)
			b->idx++;
		page = mmheap_pool_alloc_chunk(b->pool, &b->idx);
		if (!page) {
			b->blocked = true;
			break;
		}
		list_add_tail(&page->lru, &b->list[b->idx]);
		b->nr[b->idx]++;
		b->got += 1UL << mmheap_orders[b->idx];
	}
	if (b->pool->caching == MMHEAP_WRITECOMBINE)
		mmheap_pool_batch_wc(b);
}

/*
 * Allocate up to @need pages in at most %MMHEAP_LOCK_BATCH chunks, from a
 * SCHED_NORMAL kworker on this node, and wait for it. Only the allocations
 * run there; the zeroing, the bulk of the work, stays with the caller.
 */
static void mmheap_pool_alloc_batch(struct mmheap_pool *pool,
				    struct mmheap_alloc_batch *b,
				    unsigned long need, unsigned int idx)
{
	int i;

	b->pool = pool;
	b->need = need;
	b->got = 0;
	b->idx = idx;
	b->blocked = false;
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		INIT_LIST_HEAD(&b->list[i]);
		b->nr[i] = 0;
	}
	INIT_WORK_ONSTACK(&b->work, mmheap_pool_alloc_batch_fn);
	queue_work_node(numa_node_id(), system_unbound_wq, &b->work);
	flush_work(&b->work);
	destroy_work_on_stack(&b->work);
}

/**
 * mmheap_pool_refill() - allocate zeroed chunks up to the pool's target
 * @pool: the pool
 * @max_pages: stop after about this many pages
 * @blocked: set to true if memory was too short to continue
 *
 * Refills of one pool must not run at once: the refill thread makes them
 * (tests call this with the thread stopped). Allocates the largest chunks
 * that fit the shortfall, without reclaim and only while the zone the
 * allocation comes from is above its high watermark; not at all for a
 * while after the shrinker took pages. The
 * allocations are made by a kworker, %MMHEAP_LOCK_BATCH chunks at a time;
 * the caller zeroes them (unless init_on_alloc did) with no lock held and
 * adds them to the clean lists. May sleep.
 *
 * Return: the number of pages added.
 */
unsigned long mmheap_pool_refill(struct mmheap_pool *pool,
				 unsigned long max_pages, bool *blocked)
{
	bool init = want_init_on_alloc(MMHEAP_REFILL_GFP);
	unsigned long done = 0, need, got;
	struct mmheap_alloc_batch b;
	unsigned int idx = 0;
	bool changed, held, over;
	struct page *page;
	int i;
	u64 start;

	raw_spin_lock(&pool->lock);
	need = __mmheap_pool_target(pool);
	need -= min(need, __mmheap_pool_level(pool));
	need = min(need, max_pages);
	held = mmheap_pool_held(pool);
	pool->reserved_pages += held ? 0 : need;
	raw_spin_unlock(&pool->lock);
	if (held) {
		*blocked = true;
		return 0;
	}

	while (done < need) {
		start = ktime_get_ns();
		mmheap_pool_alloc_batch(pool, &b, need - done, idx);
		idx = b.idx;
		got = b.got;
		if (b.blocked)
			*blocked = true;
		for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
			list_for_each_entry(page, &b.list[i], lru) {
				mmheap_pool_zero_chunk(pool, page,
						       mmheap_orders[i], !init);
				cond_resched();
			}
		}
		atomic64_add(ktime_get_ns() - start, &pool->refill_ns);
		atomic64_add((u64)got << PAGE_SHIFT, &pool->zeroed_bytes);
		for (i = 0; i < MMHEAP_NR_ORDERS; i++)
			mmheap_pool_account_list(&b.list[i], 1);

		raw_spin_lock(&pool->lock);
		for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
			list_splice_tail(&b.list[i], &pool->clean[i]);
			pool->nr_clean[i] += b.nr[i];
			pool->clean_pages += b.nr[i] << mmheap_orders[i];
		}
		/* A chunk may overshoot what is left of the reservation. */
		pool->reserved_pages -= min(got, need - done);
		raw_spin_unlock(&pool->lock);
		done += got;
		if (*blocked || !got)
			break;
	}

	raw_spin_lock(&pool->lock);
	if (done < need)
		pool->reserved_pages -= need - done;
	pool->blocked = *blocked;
	changed = __mmheap_pool_sync_state(pool);
	over = __mmheap_pool_level(pool) > __mmheap_pool_target(pool);
	raw_spin_unlock(&pool->lock);
	if (changed)
		mmheap_pool_notify(pool);
	/* The target fell while the batch was being allocated: trim it. */
	if (over)
		mod_delayed_work(system_unbound_wq, &pool->decay_work, 0);
	return done;
}

/* For mmheap_pool_release(): keep the pool's target, as it is at each batch. */
#define MMHEAP_KEEP_TARGET	ULONG_MAX

/*
 * Give back up to @nr_pages while the pool holds more than @keep: dirty first,
 * as they are the cheapest to lose, then clean (unless @dirty_only), smallest
 * order first, %MMHEAP_LOCK_BATCH chunks per hold of the lock. A chunk is
 * never split, so the pool may end below @keep; the refill tops it up with
 * smaller chunks.
 */
static unsigned long mmheap_pool_release(struct mmheap_pool *pool,
					 unsigned long nr_pages,
					 unsigned long keep, bool dirty_only,
					 bool may_sleep)
{
	unsigned long freed = 0;
	struct page *page;
	int pass, i;

	for (pass = 0; pass < (dirty_only ? 1 : 2); pass++) {
		for (i = MMHEAP_NR_ORDERS - 1; i >= 0; i--) {
			unsigned int order = mmheap_orders[i];
			struct list_head *list = pass ? &pool->clean[i] :
							&pool->dirty[i];

			while (freed < nr_pages) {
				unsigned long n = 0, k;
				LIST_HEAD(victims);

				raw_spin_lock(&pool->lock);
				/* The target may rise meanwhile: look each time. */
				k = keep == MMHEAP_KEEP_TARGET ?
				    __mmheap_pool_target(pool) : keep;
				while (n < MMHEAP_LOCK_BATCH &&
				       freed + (n << order) < nr_pages &&
				       !list_empty(list) &&
				       __mmheap_pool_level(pool) > k) {
					page = list_first_entry(list,
								struct page,
								lru);
					list_move_tail(&page->lru, &victims);
					if (pass) {
						pool->nr_clean[i]--;
						pool->clean_pages -= 1UL << order;
					} else {
						pool->nr_dirty[i]--;
						pool->dirty_pages -= 1UL << order;
					}
					n++;
				}
				raw_spin_unlock(&pool->lock);
				if (!n)
					break;

				mmheap_pool_account_list(&victims, -1);
				mmheap_pool_free_chunks(pool, &victims);
				freed += n << order;
				if (may_sleep)
					cond_resched();
			}
		}
	}
	return freed;
}

/**
 * mmheap_pool_trim() - give back what the pool holds above its target
 * @pool: the pool
 * @max_pages: give back at most this many pages
 *
 * This is how a decayed or cancelled prefill drains back to the low
 * watermark and how a lowered cap takes effect. May sleep.
 *
 * Return: the number of pages given back.
 */
unsigned long mmheap_pool_trim(struct mmheap_pool *pool,
			       unsigned long max_pages)
{
	return mmheap_pool_release(pool, max_pages, MMHEAP_KEEP_TARGET, false,
				   true);
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
 * @nr_pages may be given back. If anything was given back, the refill
 * thread leaves the pool alone for %MMHEAP_SHRINK_HOLDOFF, so that the pool
 * and reclaim do not take the same memory back and forth.
 *
 * Return: the number of pages given back.
 */
unsigned long mmheap_pool_shrink_scan(struct mmheap_pool *pool,
				      unsigned long nr_pages)
{
	unsigned long freed;

	freed = mmheap_pool_release(pool, nr_pages, 0, false, false);
	if (freed) {
		bool changed;

		raw_spin_lock(&pool->lock);
		pool->hold_until = get_jiffies_64() + MMHEAP_SHRINK_HOLDOFF;
		changed = __mmheap_pool_sync_state(pool);
		raw_spin_unlock(&pool->lock);
		if (changed)
			mmheap_pool_notify(pool);
		/* So that the thread refills once the hold-off is over. */
		if (!READ_ONCE(pool->kicked))
			mmheap_pool_kick(pool);
	}
	return freed;
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

static void mmheap_pool_decay_fn(struct work_struct *work)
{
	struct mmheap_pool *pool = container_of(to_delayed_work(work),
						struct mmheap_pool,
						decay_work);
	unsigned long trimmed, deadline = 0;
	bool pending, low;

	if (mmheap_pool_expire(pool))
		mmheap_pool_notify(pool);
	trimmed = mmheap_pool_trim(pool, ULONG_MAX);
	if (trimmed)
		trace_mmheap_refill(pool->name, 0, 0, trimmed,
				    mmheap_pool_shrink_count(pool));

	raw_spin_lock(&pool->lock);
	pending = pool->prefill_pages;
	if (pending)
		deadline = pool->last_use + msecs_to_jiffies(pool->decay_ms);
	/* Chunks are not split: a trim may leave the pool below its target. */
	low = __mmheap_pool_level(pool) < __mmheap_pool_target(pool);
	raw_spin_unlock(&pool->lock);

	if (low)
		mmheap_pool_kick(pool);
	/* An allocation moved the deadline: look again then, not before. */
	if (pending)
		queue_delayed_work(system_unbound_wq, &pool->decay_work,
				   time_after(deadline, jiffies) ?
				   deadline - jiffies + 1 : 1);
}

/**
 * mmheap_pool_backoff() - how long a blocked refill thread waits
 * @blocked_rounds: how many times in a row the refill was blocked, from 1
 *
 * Return: the wait in jiffies: %MMHEAP_BACKOFF_MIN, doubling with every
 * round, up to %MMHEAP_BACKOFF_MAX.
 */
long mmheap_pool_backoff(unsigned int blocked_rounds)
{
	unsigned int shift = min(blocked_rounds ? blocked_rounds - 1 : 0, 8U);

	return min_t(long, (long)MMHEAP_BACKOFF_MIN << shift,
		     MMHEAP_BACKOFF_MAX);
}

/*
 * Sleep until kicked, stopped or @timeout: wait_event_freezable_timeout()
 * without the wait queue, see struct mmheap_pool's @waker.
 */
static void mmheap_pool_sleep(struct mmheap_pool *pool, long timeout)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE | TASK_FREEZABLE);
		/*
		 * kthread_stop() only sets a flag and wakes us: without
		 * kthread_should_stop() here we would go back to sleep and
		 * the stop would wait for the next request.
		 */
		if (kthread_should_stop() || READ_ONCE(pool->kicked))
			break;
		timeout = schedule_timeout(timeout);
		if (!timeout)
			break;
	}
	__set_current_state(TASK_RUNNING);
}

/*
 * One bounded batch of work. Returns 0 when there may be more to do, else
 * how long the thread may sleep: for ever when the pool is at its target.
 */
static long mmheap_pool_work(struct mmheap_pool *pool,
			     unsigned int *blocked_rounds)
{
	unsigned long zeroed, added = 0, hold;
	bool blocked = false;

	WRITE_ONCE(pool->kicked, false);
	/*
	 * Order the clear before looking at the pool, so that a kick that
	 * comes after the look is seen by the next wait and is not lost.
	 */
	smp_mb();

	zeroed = mmheap_pool_zero_dirty(pool, MMHEAP_BATCH_PAGES);
	if (!zeroed)
		added = mmheap_pool_refill(pool, MMHEAP_BATCH_PAGES, &blocked);
	if (zeroed || added)
		trace_mmheap_refill(pool->name, zeroed, added, 0,
				    mmheap_pool_shrink_count(pool));
	if (!blocked) {
		*blocked_rounds = 0;
		return zeroed || added ? 0 : MAX_SCHEDULE_TIMEOUT;
	}

	(*blocked_rounds)++;
	raw_spin_lock(&pool->lock);
	hold = mmheap_pool_held(pool) ?
		pool->hold_until - get_jiffies_64() : 0;
	raw_spin_unlock(&pool->lock);
	return max_t(long, mmheap_pool_backoff(*blocked_rounds), hold);
}

/**
 * mmheap_pool_refill_thread() - the body of a pool's refill thread
 * @data: the pool
 *
 * Runs at SCHED_IDLE (set by mmheap_pool_start_thread() before the thread
 * first runs), so the pool is filled with CPU time nobody else wants.
 * Sleeps until a request, an allocation that leaves the pool short of its
 * target or a free the pool keeps; then zeroes the kept chunks and tops the
 * pool up to its target in batches of %MMHEAP_BATCH_PAGES. When memory is
 * short it retries with an exponential back-off; with nothing to do it
 * sleeps without a timeout. The thread is freezable.
 *
 * Return: 0 when stopped with kthread_stop().
 */
int mmheap_pool_refill_thread(void *data)
{
	struct mmheap_pool *pool = data;
	unsigned int blocked_rounds = 0;
	long timeout;

	set_freezable();
	while (!kthread_freezable_should_stop(NULL)) {
		timeout = mmheap_pool_work(pool, &blocked_rounds);
		if (!timeout) {
			cond_resched();
			continue;
		}
		mmheap_pool_sleep(pool, timeout);
		atomic64_inc(&pool->wakeups);
	}
	return 0;
}

/**
 * mmheap_pool_start_thread() - start a pool's refill thread
 * @pool: the pool
 *
 * The thread is created, made SCHED_IDLE and only then woken, so its
 * thread function never runs as SCHED_NORMAL (only kthread()'s own few
 * lines before it first sleeps do). Does nothing if the thread runs already.
 *
 * Return: 0, the error from kthread_create() or from setting the policy.
 */
int mmheap_pool_start_thread(struct mmheap_pool *pool)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_IDLE,
	};
	struct task_struct *thread;
	int ret = 0;

	mutex_lock(&pool->thread_lock);
	if (!pool->thread) {
		thread = kthread_create(mmheap_pool_refill_thread, pool,
					"%s_refill", pool->name);
		if (IS_ERR(thread)) {
			ret = PTR_ERR(thread);
			goto out;
		}
		ret = sched_setattr_nocheck(thread, &attr);
		if (ret) {
			/* Never woken: kthread_stop() makes it exit at once. */
			kthread_stop(thread);
			goto out;
		}
		pool->thread = thread;
		rcu_assign_pointer(pool->waker, thread);
		wake_up_process(thread);
	}
out:
	mutex_unlock(&pool->thread_lock);
	return ret;
}

/**
 * mmheap_pool_stop_thread() - stop a pool's refill thread
 * @pool: the pool
 *
 * Waits for the thread to finish its batch and exit. The thread finishes
 * at SCHED_NORMAL: on a busy machine a SCHED_IDLE thread may not run for
 * seconds, and the stop would wait for it. Dirty chunks are given back to
 * the page allocator in bounded batches, as nobody would zero them. Does
 * nothing if the thread is not running.
 */
void mmheap_pool_stop_thread(struct mmheap_pool *pool)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_NORMAL,
	};

	mutex_lock(&pool->thread_lock);
	if (pool->thread) {
		/* No kick may still be waking the task once it is gone. */
		RCU_INIT_POINTER(pool->waker, NULL);
		synchronize_rcu();
		/* Should it fail, the thread finishes at SCHED_IDLE. */
		sched_setattr_nocheck(pool->thread, &attr);
		kthread_stop(pool->thread);
		pool->thread = NULL;
	}
	mutex_unlock(&pool->thread_lock);

	mmheap_pool_release(pool, ULONG_MAX, 0, true, true);
}

/**
 * mmheap_pool_quiesce() - stop a pool's thread and wait for its deferred work
 * @pool: the pool, may be NULL or an ERR_PTR()
 *
 * Stops the refill thread (see mmheap_pool_stop_thread()), cancels the
 * decay work (a pending decay is dropped, not run) and waits until no call
 * of ops->state_changed is queued or running. The owner calls it before it
 * takes away what ops->state_changed uses; mmheap_pool_destroy() calls it
 * too. The pool's shrinker, allocations from the pool, its setters and
 * mmheap_pool_start_thread() may queue work or start the thread again
 * afterwards. May sleep.
 */
void mmheap_pool_quiesce(struct mmheap_pool *pool)
{
	if (IS_ERR_OR_NULL(pool))
		return;

	mmheap_pool_stop_thread(pool);
	/* Before the notifications: a decay may queue one. */
	cancel_delayed_work_sync(&pool->decay_work);
	mmheap_pool_cancel_notify(pool);
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
 * @caching: how the owner maps the pool's pages
 * @ops: owner's hooks, may be NULL
 * @priv: owner's data, kept in pool->priv
 *
 * The pool starts empty with no low watermark, a cap of a quarter of RAM and
 * a decay of %MMHEAP_DEFAULT_DECAY_MS. Its shrinker is registered; its
 * thread is not started (see mmheap_pool_start_thread()).
 *
 * Return: the pool, or an ERR_PTR() on failure: -EOPNOTSUPP for a
 * write-combined pool where mmheap_pool_wc_supported() is false.
 */
struct mmheap_pool *mmheap_pool_create(const char *name,
				       enum mmheap_caching caching,
				       const struct mmheap_pool_ops *ops,
				       void *priv)
{
	struct mmheap_pool *pool;
	int i;

	if (caching == MMHEAP_WRITECOMBINE && !mmheap_pool_wc_supported())
		return ERR_PTR(-EOPNOTSUPP);
	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);

	pool->name = name;
	pool->caching = caching;
	if (IS_ENABLED(CONFIG_X86) && caching == MMHEAP_WRITECOMBINE) {
		pool->wc_pages = kvmalloc_array(MMHEAP_WC_BATCH_PAGES,
						sizeof(*pool->wc_pages),
						GFP_KERNEL);
		if (!pool->wc_pages) {
			kfree(pool);
			return ERR_PTR(-ENOMEM);
		}
	}
	pool->ops = ops;
	pool->priv = priv;
	raw_spin_lock_init(&pool->lock);
	for (i = 0; i < MMHEAP_NR_ORDERS; i++) {
		INIT_LIST_HEAD(&pool->clean[i]);
		INIT_LIST_HEAD(&pool->dirty[i]);
	}
	pool->cap_pages = totalram_pages() / 4;
	pool->cap_bytes = (u64)pool->cap_pages << PAGE_SHIFT;
	pool->decay_ms = MMHEAP_DEFAULT_DECAY_MS;
	pool->last_use = jiffies;
	pool->hold_until = get_jiffies_64();
	INIT_DELAYED_WORK(&pool->decay_work, mmheap_pool_decay_fn);
	INIT_WORK(&pool->notify_work, mmheap_pool_notify_fn);
	pool->notify_irq_work = IRQ_WORK_INIT_LAZY(mmheap_pool_notify_irq_fn);
	mutex_init(&pool->thread_lock);

	pool->shrinker = shrinker_alloc(0, "mmheap-%s", name);
	if (!pool->shrinker) {
		kvfree(pool->wc_pages);
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
 * The caller must have given back or freed every chunk it took and must
 * make no further call on the pool.
 */
void mmheap_pool_destroy(struct mmheap_pool *pool)
{
	if (IS_ERR_OR_NULL(pool))
		return;

	/* No shrinker run may queue a notification after the quiesce. */
	shrinker_free(pool->shrinker);
	mmheap_pool_quiesce(pool);
	mmheap_pool_release(pool, ULONG_MAX, 0, false, true);
	kvfree(pool->wc_pages);
	kfree(pool);
}
