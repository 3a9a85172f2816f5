// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap: bring-up of the pool, its sysfs interface and the heap
 *
 * Copyright (C) 2025 mmheap developers
 *
 * The heaps (mmheap_heap.c) and the sysfs interface (mmheap_sysfs.c) both
 * sit on the pool engine (mmheap_pool.c); this file ties them together, so
 * that the heap never calls into its own user interface. Two pools, each
 * with its own refill thread: one for /dev/dma_heap/mmheap, write-back, and
 * one for /dev/dma_heap/mmheap-uncached, write-combined, where the
 * architecture allows (mmheap_pool_wc_supported()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/printk.h>
#include <linux/workqueue.h>

#include "mmheap.h"
#include "mmheap_pool.h"

static const struct mmheap_pool_ops mmheap_pool_ops = {
	.state_changed = mmheap_sysfs_state_changed,
};

static int __init mmheap_init(void)
{
	struct mmheap_pool *pool, *uncached = NULL;
	int ret;

	pool = mmheap_pool_create("mmheap", MMHEAP_CACHED, &mmheap_pool_ops,
				  NULL);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/* Not where the pages could not be kept out of the CPU caches. */
	if (mmheap_pool_wc_supported()) {
		uncached = mmheap_pool_create("mmheap-uncached",
					      MMHEAP_WRITECOMBINE,
					      &mmheap_pool_ops, NULL);
		if (IS_ERR(uncached)) {
			ret = PTR_ERR(uncached);
			goto err_pool;
		}
	}

	ret = mmheap_pool_start_thread(pool);
	if (!ret && uncached)
		ret = mmheap_pool_start_thread(uncached);
	if (ret)
		goto err_pool;

	mmheap_pool = pool;
	mmheap_uncached_pool = uncached;
	ret = mmheap_sysfs_init();
	if (ret)
		goto err_pool;

	ret = mmheap_heap_add();
	if (ret)
		goto err_sysfs;

	mmheap_boot_prefill_apply();
	return 0;

err_sysfs:
	/* Stop the threads and their deferred work before the files go. */
	mmheap_pool_quiesce(pool);
	mmheap_pool_quiesce(uncached);
	mmheap_sysfs_exit();
err_pool:
	mmheap_pool = NULL;
	mmheap_uncached_pool = NULL;
	/* Stops the threads if they were started. */
	mmheap_pool_destroy(uncached);
	mmheap_pool_destroy(pool);
	pr_err("initialisation failed: %d\n", ret);
	return ret;
}
device_initcall(mmheap_init);
