// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap: DMA-BUF heap served from pools of pre-zeroed pages
 *
 * Copyright (C) 2025 mmheap developers
 *
 * The buffer operations follow drivers/dma-buf/heaps/system_heap.c:
 * Copyright (C) 2011 Google, Inc.
 * Copyright (C) 2019, 2020 Linaro Ltd.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mmheap.h"
#include "mmheap_pool.h"

#define CREATE_TRACE_POINTS
#include "mmheap_trace.h"

struct mmheap_pool *mmheap_pool;
struct dma_heap *mmheap_heap;
struct mmheap_pool *mmheap_uncached_pool;
struct dma_heap *mmheap_uncached_heap;

/* Defaults: a quarter of RAM, set at init. */
unsigned long mmheap_buffer_max_bytes;
unsigned int mmheap_prefill_max_percent = 25;

/*
 * On by default, unlike upstream's dma_heap.mem_accounting: mmheap has no
 * users whose memory.max was sized without it, and a pool that lets a
 * cgroup allocate past its limit is a way round every limit.
 */
bool mmheap_mem_accounting = true;
module_param_named(mem_accounting, mmheap_mem_accounting, bool, 0644);
MODULE_PARM_DESC(mem_accounting,
		 "Charge buffers to the allocating task's memory cgroup (default: on)");

struct mmheap_buffer {
	struct list_head attachments;
	struct mutex lock;	/* attachments, vmap_cnt and vaddr */
	struct mmheap_pool *pool;
	struct obj_cgroup *objcg;	/* charged with len, or NULL */
	bool uncached;
	unsigned long len;
	struct sg_table sg_table;
	int vmap_cnt;
	void *vaddr;
};

struct mmheap_attachment {
	struct device *dev;
	struct sg_table *table;
	struct list_head list;
	bool mapped;
};

/*
 * Where the pool is short, allocate as the system heap does, but let an
 * order-0 allocation fail rather than call the OOM killer on somebody else.
 */
#define MMHEAP_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_RETRY_MAYFAIL)
#define MMHEAP_HIGH_ORDER_GFP	(((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				   __GFP_NORETRY) & ~__GFP_RECLAIM) | \
				 __GFP_COMP)

static struct sg_table *mmheap_dup_sg_table(struct sg_table *table)
{
	struct scatterlist *sg, *new_sg;
	struct sg_table *new_table;
	int ret, i;

	new_table = kzalloc(sizeof(*new_table), GFP_KERNEL);
	if (!new_table)
		return ERR_PTR(-ENOMEM);

	ret = sg_alloc_table(new_table, table->orig_nents, GFP_KERNEL);
	if (ret) {
		kfree(new_table);
		return ERR_PTR(-ENOMEM);
	}

	new_sg = new_table->sgl;
	for_each_sgtable_sg(table, sg, i) {
		sg_set_page(new_sg, sg_page(sg), sg->length, sg->offset);
		new_sg = sg_next(new_sg);
	}

	return new_table;
}

static int mmheap_attach(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attachment)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	struct mmheap_attachment *a;
	struct sg_table *table;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;

	table = mmheap_dup_sg_table(&buffer->sg_table);
	if (IS_ERR(table)) {
		kfree(a);
		return -ENOMEM;
	}

	a->table = table;
	a->dev = attachment->dev;
	INIT_LIST_HEAD(&a->list);
	a->mapped = false;

	attachment->priv = a;

	mutex_lock(&buffer->lock);
	list_add(&a->list, &buffer->attachments);
	mutex_unlock(&buffer->lock);

	return 0;
}

static void mmheap_detach(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attachment)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	struct mmheap_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	list_del(&a->list);
	mutex_unlock(&buffer->lock);

	sg_free_table(a->table);
	kfree(a->table);
	kfree(a);
}

static struct sg_table *mmheap_map_dma_buf(struct dma_buf_attachment *attachment,
					   enum dma_data_direction direction)
{
	struct mmheap_attachment *a = attachment->priv;
	struct sg_table *table = a->table;
	int ret;

	ret = dma_map_sgtable(attachment->dev, table, direction, 0);
	if (ret)
		return ERR_PTR(ret);

	a->mapped = true;
	return table;
}

static void mmheap_unmap_dma_buf(struct dma_buf_attachment *attachment,
				 struct sg_table *table,
				 enum dma_data_direction direction)
{
	struct mmheap_attachment *a = attachment->priv;

	a->mapped = false;
	dma_unmap_sgtable(attachment->dev, table, direction, 0);
}

static int mmheap_begin_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction direction)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	struct mmheap_attachment *a;

	mutex_lock(&buffer->lock);

	if (buffer->vmap_cnt)
		invalidate_kernel_vmap_range(buffer->vaddr, buffer->len);

	list_for_each_entry(a, &buffer->attachments, list) {
		if (!a->mapped)
			continue;
		dma_sync_sgtable_for_cpu(a->dev, a->table, direction);
	}
	mutex_unlock(&buffer->lock);

	return 0;
}

static int mmheap_end_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction direction)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	struct mmheap_attachment *a;

	if (buffer->uncached) {
		/* Drain the write-combining buffers before a device reads. */
		wmb();
	}

	mutex_lock(&buffer->lock);

	if (buffer->vmap_cnt)
		flush_kernel_vmap_range(buffer->vaddr, buffer->len);

	list_for_each_entry(a, &buffer->attachments, list) {
		if (!a->mapped)
			continue;
		dma_sync_sgtable_for_device(a->dev, a->table, direction);
	}
	mutex_unlock(&buffer->lock);

	return 0;
}

/* One remap_pfn_range() per chunk, not per page: a chunk is contiguous. */
static int mmheap_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	struct sg_table *table = &buffer->sg_table;
	unsigned long addr = vma->vm_start;
	unsigned long pgoff = vma->vm_pgoff;
	struct scatterlist *sg;
	int i, ret;

	if (buffer->uncached)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	for_each_sgtable_sg(table, sg, i) {
		unsigned long npages = sg->length >> PAGE_SHIFT;
		unsigned long size;

		if (pgoff >= npages) {
			pgoff -= npages;
			continue;
		}
		size = min((npages - pgoff) << PAGE_SHIFT, vma->vm_end - addr);
		ret = remap_pfn_range(vma, addr, page_to_pfn(sg_page(sg)) + pgoff,
				      size, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += size;
		pgoff = 0;
		if (addr >= vma->vm_end)
			return 0;
	}
	return 0;
}

static void *mmheap_do_vmap(struct mmheap_buffer *buffer)
{
	struct sg_table *table = &buffer->sg_table;
	unsigned long npages = PAGE_ALIGN(buffer->len) >> PAGE_SHIFT;
	struct sg_page_iter piter;
	struct page **pages, **tmp;
	void *vaddr;

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	tmp = pages;
	for_each_sgtable_page(table, &piter, 0) {
		if (WARN_ON(tmp - pages >= npages))
			break;
		*tmp++ = sg_page_iter_page(&piter);
	}

	vaddr = vmap(pages, npages, VM_MAP,
		     buffer->uncached ? pgprot_writecombine(PAGE_KERNEL) :
					PAGE_KERNEL);
	kvfree(pages);

	if (!vaddr)
		return ERR_PTR(-ENOMEM);

	return vaddr;
}

static int mmheap_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	void *vaddr;
	int ret = 0;

	mutex_lock(&buffer->lock);
	if (buffer->vmap_cnt) {
		buffer->vmap_cnt++;
		iosys_map_set_vaddr(map, buffer->vaddr);
		goto out;
	}

	vaddr = mmheap_do_vmap(buffer);
	if (IS_ERR(vaddr)) {
		ret = PTR_ERR(vaddr);
		goto out;
	}

	buffer->vaddr = vaddr;
	buffer->vmap_cnt++;
	iosys_map_set_vaddr(map, buffer->vaddr);
out:
	mutex_unlock(&buffer->lock);

	return ret;
}

static void mmheap_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mmheap_buffer *buffer = dmabuf->priv;

	mutex_lock(&buffer->lock);
	if (!--buffer->vmap_cnt) {
		vunmap(buffer->vaddr);
		buffer->vaddr = NULL;
	}
	mutex_unlock(&buffer->lock);
	iosys_map_clear(map);
}

/*
 * Every chunk is compound (or order 0), so its order travels with it and the
 * pool takes the whole buffer back in one call.
 */
static void mmheap_put_table(struct mmheap_pool *pool, struct sg_table *table)
{
	struct scatterlist *sg;
	LIST_HEAD(chunks);
	int i;

	for_each_sgtable_sg(table, sg, i)
		list_add_tail(&sg_page(sg)->lru, &chunks);
	mmheap_pool_put_list(pool, &chunks, false);
}

#ifdef CONFIG_MEMCG
/*
 * Charge the whole buffer to the allocating task's memory cgroup before
 * anything is taken, pool chunks (which the refill thread allocated for
 * nobody) and new pages alike. It is what __GFP_ACCOUNT does for each page
 * (kernel memory of the cgroup: memory.current, the "kernel" line of
 * memory.stat), with one charge per buffer in place of one per chunk while
 * the cgroup is below its limit. At its limit the charge is made
 * %MMHEAP_CHARGE_PIECE at a time with reclaim, so that what is reclaimed is
 * what is missing, not the whole buffer; the OOM killer is never called: a
 * cgroup that cannot reclaim enough gets -ENOMEM. As with __GFP_ACCOUNT,
 * the root cgroup and kernel threads are not charged.
 */
#define MMHEAP_CHARGE_PIECE	SZ_2M

/*
 * The per-CPU stock that obj_cgroup_uncharge() refills counts bytes in an
 * unsigned int (refill_obj_stock()): give a large charge back in pieces.
 */
static void mmheap_uncharge_bytes(struct obj_cgroup *objcg, unsigned long len)
{
	unsigned long n;

	for (; len; len -= n) {
		n = min_t(unsigned long, len, SZ_1G);
		obj_cgroup_uncharge(objcg, n);
	}
}

static int mmheap_charge(struct mmheap_buffer *buffer)
{
	unsigned long done, n;
	struct obj_cgroup *objcg;

	if (!READ_ONCE(mmheap_mem_accounting) || !memcg_kmem_online())
		return 0;
	objcg = get_obj_cgroup_from_current();
	if (!objcg)
		return 0;
	/* consume_obj_stock() takes an unsigned int too. */
	if (buffer->len <= SZ_1G &&
	    !obj_cgroup_charge(objcg, GFP_NOWAIT | __GFP_NOWARN, buffer->len))
		goto charged;
	for (done = 0; done < buffer->len; done += n) {
		n = min_t(unsigned long, buffer->len - done,
			  MMHEAP_CHARGE_PIECE);
		if (fatal_signal_pending(current) ||
		    obj_cgroup_charge(objcg, GFP_KERNEL | __GFP_RETRY_MAYFAIL,
				      n)) {
			mmheap_uncharge_bytes(objcg, done);
			obj_cgroup_put(objcg);
			return -ENOMEM;
		}
	}
charged:
	buffer->objcg = objcg;
	return 0;
}

static void mmheap_uncharge(struct mmheap_buffer *buffer)
{
	if (!buffer->objcg)
		return;
	mmheap_uncharge_bytes(buffer->objcg, buffer->len);
	obj_cgroup_put(buffer->objcg);
	buffer->objcg = NULL;
}
#else
static int mmheap_charge(struct mmheap_buffer *buffer)
{
	return 0;
}

static void mmheap_uncharge(struct mmheap_buffer *buffer)
{
}
#endif

static void mmheap_release(struct dma_buf *dmabuf)
{
	struct mmheap_buffer *buffer = dmabuf->priv;
	struct sg_table *table = &buffer->sg_table;

	mmheap_put_table(buffer->pool, table);
	sg_free_table(table);
	mmheap_uncharge(buffer);
	trace_mmheap_free(buffer->len);
	kfree(buffer);
}

static const struct dma_buf_ops mmheap_buf_ops = {
	.attach = mmheap_attach,
	.detach = mmheap_detach,
	.map_dma_buf = mmheap_map_dma_buf,
	.unmap_dma_buf = mmheap_unmap_dma_buf,
	.begin_cpu_access = mmheap_begin_cpu_access,
	.end_cpu_access = mmheap_end_cpu_access,
	.mmap = mmheap_mmap,
	.vmap = mmheap_vmap,
	.vunmap = mmheap_vunmap,
	.release = mmheap_release,
};

/*
 * Build the buffer from the largest chunks there are: at each order, take
 * what @pool holds (onto @pages), then what the page allocator has (onto
 * @fresh), before going down an order, so that a large buffer is never made
 * of small chunks while large ones can be had.
 */
static int mmheap_gather(struct mmheap_pool *pool, unsigned long len,
			 struct list_head *pages, struct list_head *fresh,
			 unsigned long *nr, unsigned long *misses,
			 unsigned long *from_pool)
{
	/* A highmem page's kmap would be a second, cached, mapping. */
	gfp_t nohigh = pool->caching == MMHEAP_WRITECOMBINE ? __GFP_HIGHMEM : 0;
	unsigned long remaining = len;
	struct page *page;
	unsigned int i, got;

	for (i = 0; i < MMHEAP_NR_ORDERS && remaining; i++) {
		unsigned int order = mmheap_orders[i];
		unsigned long chunk = PAGE_SIZE << order;
		unsigned long want = remaining / chunk;
		LIST_HEAD(taken);

		if (!want)
			continue;
		got = mmheap_pool_take(pool, i, min(want, UINT_MAX), &taken);
		list_splice_tail(&taken, pages);
		remaining -= got * chunk;
		*from_pool += got * chunk;
		*nr += got;

		while (remaining >= chunk) {
			/*
			 * Avoid trying to allocate memory if the process
			 * has been killed by SIGKILL
			 */
			if (fatal_signal_pending(current))
				return -EINTR;
			page = alloc_pages((order ? MMHEAP_HIGH_ORDER_GFP :
					    MMHEAP_LOW_ORDER_GFP) & ~nohigh,
					   order);
			if (!page)
				break;
			list_add_tail(&page->lru, fresh);
			remaining -= chunk;
			(*misses)++;
			(*nr)++;
		}
	}
	return remaining ? -ENOMEM : 0;
}

VISIBLE_IF_KUNIT struct dma_buf *mmheap_allocate(struct dma_heap *heap,
						 unsigned long len,
						 u32 fd_flags, u64 heap_flags)
{
	struct mmheap_pool *pool = dma_heap_get_drvdata(heap);
	bool uncached = pool->caching == MMHEAP_WRITECOMBINE;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	unsigned long from_pool = 0, nr = 0, misses = 0;
	struct mmheap_buffer *buffer;
	struct page *page, *tmp;
	struct dma_buf *dmabuf;
	struct scatterlist *sg;
	struct sg_table *table;
	LIST_HEAD(pages);
	LIST_HEAD(fresh);
	int i, ret;
	u64 start;

	/*
	 * Refuse what could never be satisfied before taking anything: the
	 * system heap would allocate until the OOM killer stepped in.
	 */
	if (!len || len > READ_ONCE(mmheap_buffer_max_bytes) ||
	    !PAGE_ALIGNED(len))
		return ERR_PTR(-EINVAL);

	start = ktime_get_ns();
	buffer = kzalloc(sizeof(*buffer), GFP_KERNEL);
	if (!buffer)
		return ERR_PTR(-ENOMEM);

	INIT_LIST_HEAD(&buffer->attachments);
	mutex_init(&buffer->lock);
	buffer->pool = pool;
	buffer->uncached = uncached;
	buffer->len = len;

	ret = mmheap_charge(buffer);
	if (ret) {
		kfree(buffer);
		return ERR_PTR(ret);
	}

	/* The cached heap's new chunks need nothing: straight onto @pages. */
	ret = mmheap_gather(pool, len, &pages, uncached ? &fresh : &pages, &nr,
			    &misses, &from_pool);
	/*
	 * What an uncached heap without a pool does on every allocation:
	 * switch the new chunks to write-combining, in one call. A failed
	 * switch may have left pages uncached: back to write-back first
	 * (harmless on the others).
	 */
	if (!ret && !list_empty(&fresh) && mmheap_pool_set_wc(&fresh)) {
		mmheap_pool_free_chunks(pool, &fresh);
		ret = -ENOMEM;
		goto give_back;
	}
	if (ret) {
		/* Never switched: straight back to the page allocator. */
		list_for_each_entry_safe(page, tmp, &fresh, lru) {
			list_del(&page->lru);
			__free_pages(page, compound_order(page));
		}
		goto give_back;
	}
	list_splice_tail(&fresh, &pages);

	table = &buffer->sg_table;
	ret = sg_alloc_table(table, nr, GFP_KERNEL);
	if (ret)
		goto give_back;

	sg = table->sgl;
	list_for_each_entry_safe(page, tmp, &pages, lru) {
		sg_set_page(sg, page, page_size(page), 0);
		sg = sg_next(sg);
		list_del(&page->lru);
	}

	exp_info.exp_name = dma_heap_get_name(heap);
	exp_info.ops = &mmheap_buf_ops;
	exp_info.size = buffer->len;
	exp_info.flags = fd_flags;
	exp_info.priv = buffer;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto free_table;
	}

	mmheap_pool_note_alloc(pool, len >> PAGE_SHIFT, misses);
	trace_mmheap_alloc(len, from_pool, len - from_pool,
			   ktime_get_ns() - start);
	return dmabuf;

free_table:
	for_each_sgtable_sg(table, sg, i)
		list_add_tail(&sg_page(sg)->lru, &pages);
	sg_free_table(table);
give_back:
	/* Nobody saw the pages: they are zero and go back as clean. */
	mmheap_pool_put_list(pool, &pages, true);
	mmheap_uncharge(buffer);
	kfree(buffer);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(mmheap_allocate);

#if IS_ENABLED(CONFIG_KUNIT)
struct sg_table *mmheap_buffer_table(struct dma_buf *dmabuf)
{
	struct mmheap_buffer *buffer = dmabuf->priv;

	return &buffer->sg_table;
}
EXPORT_SYMBOL_IF_KUNIT(mmheap_buffer_table);
#endif

static const struct dma_heap_ops mmheap_heap_ops = {
	.allocate = mmheap_allocate,
};

/**
 * mmheap_parse_bytes() - parse a byte count as written to sysfs or the boot line
 * @buf: decimal (or 0x hex) number, optionally followed by K, M or G and by
 *	one newline
 * @bytes: the value, on success; untouched on failure
 *
 * Return: 0, -EINVAL for anything that is not such a number, or -ERANGE if
 * the value does not fit in 64 bits.
 */
int mmheap_parse_bytes(const char *buf, u64 *bytes)
{
	unsigned int shift = 0;
	char num[32];
	size_t len;
	u64 val;
	int ret;

	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(num) || memchr(buf, '\n', len))
		return -EINVAL;
	memcpy(num, buf, len);
	num[len] = '\0';

	switch (num[len - 1]) {
	case 'G':
	case 'g':
		shift += 10;
		fallthrough;
	case 'M':
	case 'm':
		shift += 10;
		fallthrough;
	case 'K':
	case 'k':
		shift += 10;
		num[--len] = '\0';
		break;
	}

	ret = kstrtou64(num, 0, &val);
	if (ret)
		return ret;
	if (check_shl_overflow(val, shift, &val))
		return -ERANGE;
	*bytes = val;
	return 0;
}

static u64 mmheap_ram_bytes(void)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/*
 * The largest prefill, @percent of @ram bytes. Multiplied first, so that
 * 25% is never below the default cap of a quarter of RAM.
 */
VISIBLE_IF_KUNIT u64 mmheap_prefill_max(u64 ram, unsigned int percent)
{
	return mul_u64_u32_div(ram, percent, 100);
}
EXPORT_SYMBOL_IF_KUNIT(mmheap_prefill_max);

/**
 * mmheap_heapless() - whether @pool is the uncached pool left without a heap
 * @pool: one of the heaps' pools
 *
 * If mmheap-uncached could not be added, its pool and files stay, but
 * nothing may fill the pool.
 *
 * Return: true for that pool, false for every other.
 */
bool mmheap_heapless(struct mmheap_pool *pool)
{
	return pool == mmheap_uncached_pool && !READ_ONCE(mmheap_uncached_heap);
}

/**
 * mmheap_prefill_pool() - a prefill request for one of the heaps' pools
 * @pool: mmheap_pool or mmheap_uncached_pool
 * @bytes: how much the pool should hold; 0 cancels a pending request
 *
 * Return: as mmheap_prefill().
 */
int mmheap_prefill_pool(struct mmheap_pool *pool, u64 bytes)
{
	u64 max;

	if (!pool || mmheap_heapless(pool))
		return -ENODEV;
	max = mmheap_prefill_max(mmheap_ram_bytes(),
				 READ_ONCE(mmheap_prefill_max_percent));
	if (bytes > max)
		return -ERANGE;
	return mmheap_pool_set_prefill(pool, bytes);
}

/**
 * mmheap_prefill() - ask for the mmheap pool to be filled with zeroed pages
 * @bytes: how much the pool should hold; 0 cancels a pending request
 *
 * For drivers that know a stream is about to start (a camera being opened):
 * the refill thread fills the pool at idle priority so that the buffers
 * allocated next come out of the pool. The buffers allocated from the heap
 * consume the request; what they do not consume decays decay_ms after the
 * request or the last allocation, and the pool drains back to its low
 * watermark. Replaces an earlier request. Does the same as a write to
 * /sys/kernel/mm/mmheap/prefill_bytes. Does not wait for the pool to fill.
 *
 * Return: 0, -ENODEV if the heap is not initialised, or -ERANGE if @bytes is
 * above prefill_max_percent of RAM.
 */
int mmheap_prefill(u64 bytes)
{
	return mmheap_prefill_pool(mmheap_pool, bytes);
}
EXPORT_SYMBOL_GPL(mmheap_prefill);

/**
 * mmheap_prefill_uncached() - the same for the mmheap-uncached heap's pool
 * @bytes: how much the pool should hold; 0 cancels a pending request
 *
 * As mmheap_prefill(), for buffers the CPU maps write-combined. Does the
 * same as a write to /sys/kernel/mm/mmheap/uncached/prefill_bytes. The two
 * requests are independent.
 *
 * Return: as mmheap_prefill(); -ENODEV also where the architecture cannot
 * have the uncached heap (see mmheap_pool_wc_supported()).
 */
int mmheap_prefill_uncached(u64 bytes)
{
	return mmheap_prefill_pool(mmheap_uncached_pool, bytes);
}
EXPORT_SYMBOL_GPL(mmheap_prefill_uncached);

static char mmheap_boot_prefill[32];

static int mmheap_param_set_prefill(const char *val,
				    const struct kernel_param *kp)
{
	/* Too long to be a size: keep something the parser refuses. */
	if (strscpy(mmheap_boot_prefill, val, sizeof(mmheap_boot_prefill)) < 0)
		strscpy(mmheap_boot_prefill, "?", sizeof(mmheap_boot_prefill));
	return 0;
}

static const struct kernel_param_ops mmheap_prefill_param_ops = {
	.set = mmheap_param_set_prefill,
};
module_param_cb(prefill, &mmheap_prefill_param_ops, NULL, 0);
MODULE_PARM_DESC(prefill, "Bytes to prefill at boot (K, M, G suffixes)");

/**
 * mmheap_boot_prefill_apply() - act on mmheap.prefill= from the boot line
 *
 * A value the parser or mmheap_prefill() refuses is ignored with a warning.
 */
void __init mmheap_boot_prefill_apply(void)
{
	u64 bytes;
	int ret;

	if (!mmheap_boot_prefill[0])
		return;

	ret = mmheap_parse_bytes(mmheap_boot_prefill, &bytes);
	if (!ret)
		ret = mmheap_prefill(bytes);
	if (ret)
		pr_warn("ignoring mmheap.prefill=%s (%d), no prefill at boot\n",
			mmheap_boot_prefill, ret);
}

/**
 * mmheap_heap_add() - register the mmheap DMA-BUF heaps
 *
 * Sets the default buffer size limit (a quarter of RAM) and adds
 * /dev/dma_heap/mmheap, served from mmheap_pool, and
 * /dev/dma_heap/mmheap-uncached, served from mmheap_uncached_pool. Both
 * mmheap_pool must be set up; mmheap-uncached is added if
 * mmheap_uncached_pool is. A heap cannot be removed once added, so if the
 * second cannot be added, the first works without it (and says so), and
 * the second pool's thread is stopped.
 *
 * Return: 0 or the error from dma_heap_add() for /dev/dma_heap/mmheap.
 */
int __init mmheap_heap_add(void)
{
	struct dma_heap_export_info exp_info = {
		.name = "mmheap",
		.ops = &mmheap_heap_ops,
		.priv = mmheap_pool,
	};
	struct dma_heap *heap;

	mmheap_buffer_max_bytes = min_t(u64, (u64)(totalram_pages() / 4) <<
					PAGE_SHIFT, ULONG_MAX);
	heap = dma_heap_add(&exp_info);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	mmheap_heap = heap;

	if (!mmheap_uncached_pool)
		return 0;
	exp_info.name = "mmheap-uncached";
	exp_info.priv = mmheap_uncached_pool;
	heap = dma_heap_add(&exp_info);
	if (IS_ERR(heap)) {
		pr_err("no mmheap-uncached heap: %ld\n", PTR_ERR(heap));
		mmheap_pool_stop_thread(mmheap_uncached_pool);
		return 0;
	}
	WRITE_ONCE(mmheap_uncached_heap, heap);
	return 0;
}
