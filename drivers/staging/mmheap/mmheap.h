/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmheap: multimedia DMA-BUF heap with pre-zeroed page pools
 */
#ifndef _MMHEAP_H
#define _MMHEAP_H

#include <linux/types.h>

int mmheap_prefill(u64 bytes);
int mmheap_prefill_uncached(u64 bytes);

/* Shared by the heap, its sysfs interface and its bring-up only. */
struct mmheap_pool;

struct dma_buf;
struct dma_heap;

extern struct mmheap_pool *mmheap_pool;
extern struct dma_heap *mmheap_heap;
extern struct mmheap_pool *mmheap_uncached_pool;
extern struct dma_heap *mmheap_uncached_heap;
extern unsigned long mmheap_buffer_max_bytes;
extern unsigned int mmheap_prefill_max_percent;
extern bool mmheap_mem_accounting;

int mmheap_parse_bytes(const char *buf, u64 *bytes);
int mmheap_prefill_pool(struct mmheap_pool *pool, u64 bytes);
bool mmheap_heapless(struct mmheap_pool *pool);
int mmheap_heap_add(void);
void mmheap_boot_prefill_apply(void);
int mmheap_sysfs_init(void);
void mmheap_sysfs_exit(void);
void mmheap_sysfs_state_changed(struct mmheap_pool *pool);

#if IS_ENABLED(CONFIG_KUNIT)
struct sg_table;

/* For the KUnit tests only. */
struct dma_buf *mmheap_allocate(struct dma_heap *heap, unsigned long len,
				u32 fd_flags, u64 heap_flags);
struct sg_table *mmheap_buffer_table(struct dma_buf *dmabuf);
u64 mmheap_prefill_max(u64 ram, unsigned int percent);
#endif

#endif /* _MMHEAP_H */
