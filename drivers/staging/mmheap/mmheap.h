/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmheap: multimedia DMA-BUF heap with pre-zeroed page pools
 */
#ifndef _MMHEAP_H
#define _MMHEAP_H

#include <linux/types.h>

int mmheap_prefill(size_t bytes);

/* Shared by the heap and its sysfs interface only. */
struct mmheap_pool;

extern struct mmheap_pool *mmheap_pool;
extern unsigned long mmheap_buffer_max_bytes;
extern unsigned int mmheap_prefill_max_percent;

int mmheap_parse_bytes(const char *buf, unsigned long *bytes);
int mmheap_sysfs_init(void);
void mmheap_sysfs_exit(void);
void mmheap_sysfs_prefill_done(struct mmheap_pool *pool);

#endif /* _MMHEAP_H */
