/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmheap pool engine: pools of pre-zeroed pages filled by an idle thread.
 */
#ifndef _MMHEAP_POOL_H
#define _MMHEAP_POOL_H

#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/* 1 MiB, 64 KiB and 4 KiB chunks, as the system heap uses. */
#define MMHEAP_NR_ORDERS	3
#define MMHEAP_MAX_ORDER	8
extern const unsigned int mmheap_orders[MMHEAP_NR_ORDERS];

/* The refill thread works in batches of at most 2 MiB. */
#define MMHEAP_BATCH_PAGES	(SZ_2M >> PAGE_SHIFT)

/* Most chunks moved between a list and a caller in one hold of pool->lock. */
#define MMHEAP_LOCK_BATCH	32

/* Most pages a kworker's batch switches: 32 chunks of the largest order. */
#define MMHEAP_WC_BATCH_PAGES	(MMHEAP_LOCK_BATCH << MMHEAP_MAX_ORDER)

struct mmheap_pool;
struct shrinker;
struct task_struct;

/**
 * enum mmheap_prefill_state - where a prefill request stands
 * @MMHEAP_PREFILL_NONE: no request: never made, cancelled, or consumed in
 *	full by the allocations it was for
 * @MMHEAP_PREFILL_PENDING: the pool is being filled towards the request
 * @MMHEAP_PREFILL_DONE: the pool holds what is still outstanding
 * @MMHEAP_PREFILL_BLOCKED: filling stopped short: memory is short, the
 *	shrinker took pages back recently, or the request is above the cap
 * @MMHEAP_PREFILL_EXPIRED: the request decayed before it was consumed
 */
enum mmheap_prefill_state {
	MMHEAP_PREFILL_NONE,
	MMHEAP_PREFILL_PENDING,
	MMHEAP_PREFILL_DONE,
	MMHEAP_PREFILL_BLOCKED,
	MMHEAP_PREFILL_EXPIRED,
};

/**
 * enum mmheap_caching - how the CPU maps a pool's pages
 * @MMHEAP_CACHED: write-back, as every page the page allocator hands out
 * @MMHEAP_WRITECOMBINE: write-combined: on x86 the kernel's direct map of
 *	every chunk the pool holds is switched to write-combining (and back
 *	to write-back before the chunk leaves the pool); elsewhere the chunks
 *	are cleaned from the CPU caches when they enter the pool. The owner
 *	maps them write-combined wherever it maps them.
 */
enum mmheap_caching {
	MMHEAP_CACHED,
	MMHEAP_WRITECOMBINE,
};

/**
 * struct mmheap_pool_ops - hooks a pool's owner may provide
 * @state_changed: called from a work item after the prefill state
 *	changed (once for several changes in a row); may sleep
 * @can_refill: whether the page allocator has room for a chunk of @order
 *	without reclaim; NULL means the zone the refill would allocate from
 *	is checked against its high watermark
 */
struct mmheap_pool_ops {
	void (*state_changed)(struct mmheap_pool *pool);
	bool (*can_refill)(struct mmheap_pool *pool, unsigned int order);
};

/**
 * struct mmheap_pool_stats - a snapshot of a pool's counters
 * @clean_pages: zeroed pages ready to be handed out
 * @dirty_pages: freed pages the pool keeps, waiting to be zeroed
 * @clean: zeroed chunks per order, indexed like mmheap_orders
 * @dirty: chunks to be zeroed per order, indexed like mmheap_orders
 * @hits: chunks handed out from the pool
 * @misses: chunks the caller had to take from the page allocator
 * @zeroed_bytes: bytes the pool has zeroed
 * @refill_ns: time the refill thread spent allocating and zeroing
 * @target_pages: the level the refill thread currently fills to
 * @prefill_pages: pages of the prefill request still outstanding
 * @wakeups: times the refill thread woke up
 * @state: the prefill state
 */
struct mmheap_pool_stats {
	unsigned long clean_pages;
	unsigned long dirty_pages;
	unsigned long clean[MMHEAP_NR_ORDERS];
	unsigned long dirty[MMHEAP_NR_ORDERS];
	u64 hits;
	u64 misses;
	u64 zeroed_bytes;
	u64 refill_ns;
	unsigned long target_pages;
	unsigned long prefill_pages;
	u64 wakeups;
	enum mmheap_prefill_state state;
};

/**
 * struct mmheap_pool - a pool of pre-zeroed pages
 * @name: name of the pool, used for the thread and the shrinker
 * @caching: how its pages are mapped
 * @wc_pages: on x86, for a write-combined pool, room for the pages of one
 *	refill batch, so that switching them allocates nothing
 * @ops: owner's hooks, may be NULL
 * @priv: owner's data
 * @lock: protects the lists, the page counts and the request state; a raw
 *	spinlock held for at most %MMHEAP_LOCK_BATCH list moves (and a
 *	vmstat update where the chunks take moves change node) or a splice
 *	per order, so that no holder is ever preempted with it, PREEMPT_RT
 *	included
 * @clean: zeroed chunks per order, linked through page->lru
 * @dirty: freed chunks per order still to be zeroed
 * @nr_clean: chunks on @clean per order
 * @nr_dirty: chunks on @dirty per order
 * @clean_pages: pages on all @clean lists
 * @dirty_pages: pages on all @dirty lists
 * @reserved_pages: room promised to frees that are being sorted
 * @prefill_pages: pages of the request still outstanding; allocations
 *	consume it, it never grows back
 * @state: where the request stands
 * @last_use: jiffies of the request or of the last allocation
 * @low_pages: standing level kept with no request
 * @cap_pages: most the pool holds, clean and dirty
 * @decay_ms: how long a request holds after @last_use
 * @hold_until: jiffies64 before which the thread does not refill, set when
 *	the shrinker takes pages (64-bit, so no wrap ever revives it)
 * @blocked: the last refill stopped short for lack of memory
 * @low_bytes: @low_pages as set, in bytes
 * @cap_bytes: @cap_pages as set, in bytes
 * @hits: chunks handed out from the pool
 * @misses: chunks the owner allocated itself
 * @zeroed_bytes: bytes zeroed by the pool
 * @refill_ns: time spent refilling and zeroing
 * @wakeups: times the refill thread woke up
 * @kicked: work arrived since the thread last looked
 * @waker: the refill thread, for wake-ups: woken with wake_up_process(),
 *	which takes only raw locks, rather than through a wait queue, whose
 *	lock is a sleeping lock on PREEMPT_RT that the SCHED_IDLE thread may
 *	hold while preempted
 * @decay_work: expires a decayed request and trims the pool to its target
 * @notify_work: calls @ops->state_changed, so that neither the allocation
 *	path nor the idle thread takes sysfs's locks
 * @notify_irq_work: queues @notify_work from the next tick, for the changes
 *	an allocation or a release makes, so that they wake nobody
 * @thread_lock: serialises starting and stopping the thread
 * @thread: the refill thread, NULL when stopped
 * @shrinker: gives pages back under memory pressure
 */
struct mmheap_pool {
	const char *name;
	enum mmheap_caching caching;
	struct page **wc_pages;
	const struct mmheap_pool_ops *ops;
	void *priv;

	raw_spinlock_t lock;
	struct list_head clean[MMHEAP_NR_ORDERS];
	struct list_head dirty[MMHEAP_NR_ORDERS];
	unsigned long nr_clean[MMHEAP_NR_ORDERS];
	unsigned long nr_dirty[MMHEAP_NR_ORDERS];
	unsigned long clean_pages;
	unsigned long dirty_pages;
	unsigned long reserved_pages;
	unsigned long prefill_pages;
	enum mmheap_prefill_state state;
	unsigned long last_use;
	unsigned long low_pages;
	unsigned long cap_pages;
	unsigned int decay_ms;
	u64 hold_until;
	bool blocked;
	u64 low_bytes;
	u64 cap_bytes;

	atomic64_t hits;
	atomic64_t misses;
	atomic64_t zeroed_bytes;
	atomic64_t refill_ns;
	atomic64_t wakeups;

	bool kicked;
	struct task_struct __rcu *waker;
	struct delayed_work decay_work;
	struct work_struct notify_work;
	struct irq_work notify_irq_work;
	struct mutex thread_lock;	/* starting and stopping @thread */
	struct task_struct *thread;
	struct shrinker *shrinker;
};

struct mmheap_pool *mmheap_pool_create(const char *name,
				       enum mmheap_caching caching,
				       const struct mmheap_pool_ops *ops,
				       void *priv);
void mmheap_pool_destroy(struct mmheap_pool *pool);
void mmheap_pool_quiesce(struct mmheap_pool *pool);

unsigned int mmheap_pool_take(struct mmheap_pool *pool, unsigned int idx,
			      unsigned int nr, struct list_head *list);
void mmheap_pool_note_alloc(struct mmheap_pool *pool, unsigned long pages,
			    unsigned long misses);
void mmheap_pool_put_list(struct mmheap_pool *pool, struct list_head *chunks,
			  bool clean);
void mmheap_pool_put(struct mmheap_pool *pool, struct page *page,
		     unsigned int idx);

int mmheap_pool_set_prefill(struct mmheap_pool *pool, u64 bytes);
u64 mmheap_pool_get_prefill(struct mmheap_pool *pool);
enum mmheap_prefill_state mmheap_pool_prefill_state(struct mmheap_pool *pool);
const char *mmheap_prefill_state_name(enum mmheap_prefill_state state);
int mmheap_pool_set_low_watermark(struct mmheap_pool *pool, u64 bytes);
int mmheap_pool_set_cap(struct mmheap_pool *pool, u64 bytes);
void mmheap_pool_set_decay_ms(struct mmheap_pool *pool, unsigned int ms);
u64 mmheap_pool_get_low_watermark(struct mmheap_pool *pool);
u64 mmheap_pool_get_cap(struct mmheap_pool *pool);
unsigned int mmheap_pool_get_decay_ms(struct mmheap_pool *pool);
void mmheap_pool_get_stats(struct mmheap_pool *pool,
			   struct mmheap_pool_stats *stats);
int mmheap_pool_order_index(unsigned int order);
bool mmheap_pool_wc_supported(void);
int mmheap_pool_set_wc(struct list_head *chunks);
void mmheap_pool_free_chunks(struct mmheap_pool *pool,
			     struct list_head *chunks);

unsigned long mmheap_pool_zero_dirty(struct mmheap_pool *pool,
				     unsigned long max_pages);
unsigned long mmheap_pool_refill(struct mmheap_pool *pool,
				 unsigned long max_pages, bool *blocked);
unsigned long mmheap_pool_trim(struct mmheap_pool *pool,
			       unsigned long max_pages);
unsigned long mmheap_pool_target(struct mmheap_pool *pool);
bool mmheap_pool_expire(struct mmheap_pool *pool);

int mmheap_pool_start_thread(struct mmheap_pool *pool);
void mmheap_pool_stop_thread(struct mmheap_pool *pool);
bool mmheap_pool_thread_running(struct mmheap_pool *pool);
int mmheap_pool_refill_thread(void *data);
long mmheap_pool_backoff(unsigned int blocked_rounds);

unsigned long mmheap_pool_shrink_count(struct mmheap_pool *pool);
unsigned long mmheap_pool_shrink_scan(struct mmheap_pool *pool,
				      unsigned long nr_pages);

#endif /* _MMHEAP_POOL_H */
