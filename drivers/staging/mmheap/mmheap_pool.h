/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmheap pool engine: pools of pre-zeroed pages filled by an idle thread.
 */
#ifndef _MMHEAP_POOL_H
#define _MMHEAP_POOL_H

#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

/* 1 MiB, 64 KiB and 4 KiB chunks, as the system heap uses. */
#define MMHEAP_NR_ORDERS	3
extern const unsigned int mmheap_orders[MMHEAP_NR_ORDERS];

/* The refill thread works in batches of at most 2 MiB. */
#define MMHEAP_BATCH_PAGES	(SZ_2M >> PAGE_SHIFT)

struct mmheap_pool;
struct shrinker;
struct task_struct;

/**
 * struct mmheap_pool_ops - hooks a pool's owner may provide
 * @prefill_done: called by the refill thread when the clean pool first
 *	reaches the requested prefill; may sleep
 * @can_refill: whether the page allocator has room for a chunk of @order
 *	without reclaim; NULL means the zones' high watermarks are checked
 */
struct mmheap_pool_ops {
	void (*prefill_done)(struct mmheap_pool *pool);
	bool (*can_refill)(struct mmheap_pool *pool, unsigned int order);
};

/**
 * struct mmheap_pool_stats - a snapshot of a pool's counters
 * @clean_pages: zeroed pages ready to be handed out
 * @dirty_pages: freed pages waiting to be zeroed
 * @clean: zeroed chunks per order, indexed like mmheap_orders
 * @dirty: chunks to be zeroed per order, indexed like mmheap_orders
 * @hits: chunks handed out from the pool
 * @misses: chunks the caller had to take from the page allocator
 * @zeroed_bytes: bytes the pool has zeroed
 * @refill_ns: time spent allocating and zeroing pages for the pool
 * @target_pages: the level the refill thread currently fills to
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
};

/**
 * struct mmheap_pool - a pool of pre-zeroed pages
 * @name: name of the pool, used for the thread and the shrinker
 * @ops: owner's hooks, may be NULL
 * @priv: owner's data
 * @lock: protects the lists, the page counts and the request state
 * @clean: zeroed chunks per order, linked through page->lru
 * @dirty: freed chunks per order still to be zeroed
 * @nr_clean: chunks on @clean per order
 * @nr_dirty: chunks on @dirty per order
 * @clean_pages: pages on all @clean lists
 * @dirty_pages: pages on all @dirty lists
 * @prefill_bytes: requested prefill as asked for, 0 when none
 * @prefill_pages: @prefill_bytes rounded up to pages
 * @prefill_reached: the clean pool reached @prefill_pages since the request
 * @last_use: jiffies of the last request, allocation or refill progress
 * @low_bytes: standing level kept with no request
 * @low_pages: @low_bytes rounded up to pages
 * @cap_bytes: most the pool holds, clean and dirty
 * @cap_pages: @cap_bytes rounded down to pages
 * @decay_ms: how long a prefill holds after @last_use
 * @hits: chunks handed out from the pool
 * @misses: chunks the owner allocated itself
 * @zeroed_bytes: bytes zeroed by the pool
 * @refill_ns: time spent refilling and zeroing
 * @kicked: work arrived since the thread last looked
 * @wait: the refill thread sleeps here
 * @thread_lock: serialises starting and stopping the thread
 * @thread: the refill thread, NULL when stopped
 * @shrinker: gives pages back under memory pressure
 */
struct mmheap_pool {
	const char *name;
	const struct mmheap_pool_ops *ops;
	void *priv;

	spinlock_t lock;	/* lists, counts and request state */
	struct list_head clean[MMHEAP_NR_ORDERS];
	struct list_head dirty[MMHEAP_NR_ORDERS];
	unsigned long nr_clean[MMHEAP_NR_ORDERS];
	unsigned long nr_dirty[MMHEAP_NR_ORDERS];
	unsigned long clean_pages;
	unsigned long dirty_pages;
	unsigned long prefill_bytes;
	unsigned long prefill_pages;
	bool prefill_reached;
	unsigned long last_use;
	unsigned long low_bytes;
	unsigned long low_pages;
	unsigned long cap_bytes;
	unsigned long cap_pages;
	unsigned int decay_ms;

	atomic64_t hits;
	atomic64_t misses;
	atomic64_t zeroed_bytes;
	atomic64_t refill_ns;

	bool kicked;
	wait_queue_head_t wait;
	struct mutex thread_lock;	/* starting and stopping @thread */
	struct task_struct *thread;
	struct shrinker *shrinker;
};

struct mmheap_pool *mmheap_pool_create(const char *name,
				       const struct mmheap_pool_ops *ops,
				       void *priv);
void mmheap_pool_destroy(struct mmheap_pool *pool);

unsigned int mmheap_pool_take(struct mmheap_pool *pool, unsigned int idx,
			      unsigned int nr, struct list_head *list);
void mmheap_pool_put(struct mmheap_pool *pool, struct page *page,
		     unsigned int idx);
void mmheap_pool_note_alloc(struct mmheap_pool *pool, unsigned long misses);

int mmheap_pool_set_prefill(struct mmheap_pool *pool, unsigned long bytes);
unsigned long mmheap_pool_get_prefill(struct mmheap_pool *pool);
bool mmheap_pool_prefill_done(struct mmheap_pool *pool);
int mmheap_pool_set_low_watermark(struct mmheap_pool *pool,
				  unsigned long bytes);
int mmheap_pool_set_cap(struct mmheap_pool *pool, unsigned long bytes);
void mmheap_pool_set_decay_ms(struct mmheap_pool *pool, unsigned int ms);
unsigned long mmheap_pool_get_low_watermark(struct mmheap_pool *pool);
unsigned long mmheap_pool_get_cap(struct mmheap_pool *pool);
unsigned int mmheap_pool_get_decay_ms(struct mmheap_pool *pool);
void mmheap_pool_get_stats(struct mmheap_pool *pool,
			   struct mmheap_pool_stats *stats);
int mmheap_pool_order_index(unsigned int order);

unsigned long mmheap_pool_zero_dirty(struct mmheap_pool *pool,
				     unsigned long max_pages);
unsigned long mmheap_pool_refill(struct mmheap_pool *pool,
				 unsigned long max_pages, bool *blocked);
unsigned long mmheap_pool_trim(struct mmheap_pool *pool,
			       unsigned long max_pages);
unsigned long mmheap_pool_target(struct mmheap_pool *pool);

int mmheap_pool_start_thread(struct mmheap_pool *pool);
void mmheap_pool_stop_thread(struct mmheap_pool *pool);
bool mmheap_pool_thread_running(struct mmheap_pool *pool);
int mmheap_pool_refill_thread(void *data);

unsigned long mmheap_pool_shrink_count(struct mmheap_pool *pool);
unsigned long mmheap_pool_shrink_scan(struct mmheap_pool *pool,
				      unsigned long nr_pages);

#endif /* _MMHEAP_POOL_H */
