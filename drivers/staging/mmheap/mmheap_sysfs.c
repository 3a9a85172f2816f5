// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap: controls and statistics in /sys/kernel/mm/mmheap/
 *
 * Copyright (C) 2025 mmheap developers
 *
 * See Documentation/ABI/testing/sysfs-kernel-mm-mmheap.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/ratelimit.h>
#include <linux/sysfs.h>

#include "mmheap.h"
#include "mmheap_pool.h"

/* A day: far more than anybody wants, far from overflowing jiffies. */
#define MMHEAP_DECAY_MS_MAX	(24U * 60 * 60 * 1000)

static struct kobject *mmheap_kobj;

static ssize_t mmheap_bad_write(struct kobj_attribute *attr, int err)
{
	pr_warn_ratelimited("%s: write refused (%d)\n", attr->attr.name, err);
	return err;
}

static unsigned long mmheap_ram_bytes(void)
{
	return totalram_pages() << PAGE_SHIFT;
}

static ssize_t prefill_bytes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", mmheap_pool_get_prefill(mmheap_pool));
}

static ssize_t prefill_bytes_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	unsigned long bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret)
		ret = mmheap_prefill(bytes);
	return ret ? mmheap_bad_write(attr, ret) : count;
}

static struct kobj_attribute prefill_bytes_attr = __ATTR_RW(prefill_bytes);

static ssize_t prefill_done_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", mmheap_pool_prefill_done(mmheap_pool));
}

static struct kobj_attribute prefill_done_attr = __ATTR_RO(prefill_done);

static ssize_t prefill_max_percent_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mmheap_prefill_max_percent));
}

static ssize_t prefill_max_percent_store(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (!ret && (val < 1 || val > 90))
		ret = -ERANGE;
	if (ret)
		return mmheap_bad_write(attr, ret);
	WRITE_ONCE(mmheap_prefill_max_percent, val);
	return count;
}

static struct kobj_attribute prefill_max_percent_attr =
	__ATTR_RW(prefill_max_percent);

static ssize_t low_watermark_bytes_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  mmheap_pool_get_low_watermark(mmheap_pool));
}

static ssize_t low_watermark_bytes_store(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 const char *buf, size_t count)
{
	unsigned long bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret)
		ret = mmheap_pool_set_low_watermark(mmheap_pool, bytes);
	return ret ? mmheap_bad_write(attr, ret) : count;
}

static struct kobj_attribute low_watermark_bytes_attr =
	__ATTR_RW(low_watermark_bytes);

static ssize_t pool_cap_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", mmheap_pool_get_cap(mmheap_pool));
}

static ssize_t pool_cap_bytes_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	unsigned long bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret && bytes > mmheap_ram_bytes())
		ret = -ERANGE;
	if (!ret)
		ret = mmheap_pool_set_cap(mmheap_pool, bytes);
	return ret ? mmheap_bad_write(attr, ret) : count;
}

static struct kobj_attribute pool_cap_bytes_attr = __ATTR_RW(pool_cap_bytes);

static ssize_t decay_ms_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", mmheap_pool_get_decay_ms(mmheap_pool));
}

static ssize_t decay_ms_store(struct kobject *kobj,
			      struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (!ret && val > MMHEAP_DECAY_MS_MAX)
		ret = -ERANGE;
	if (ret)
		return mmheap_bad_write(attr, ret);
	mmheap_pool_set_decay_ms(mmheap_pool, val);
	return count;
}

static struct kobj_attribute decay_ms_attr = __ATTR_RW(decay_ms);

static ssize_t buffer_max_bytes_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(mmheap_buffer_max_bytes));
}

static ssize_t buffer_max_bytes_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	unsigned long bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret && (bytes < PAGE_SIZE || bytes > mmheap_ram_bytes()))
		ret = -ERANGE;
	if (ret)
		return mmheap_bad_write(attr, ret);
	WRITE_ONCE(mmheap_buffer_max_bytes, bytes);
	return count;
}

static struct kobj_attribute buffer_max_bytes_attr =
	__ATTR_RW(buffer_max_bytes);

static ssize_t thread_show(struct kobject *kobj,
			   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", mmheap_pool_thread_running(mmheap_pool));
}

static ssize_t thread_store(struct kobject *kobj,
			    struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (!ret && val > 1)
		ret = -EINVAL;
	if (ret)
		return mmheap_bad_write(attr, ret);

	if (val) {
		ret = mmheap_pool_start_thread(mmheap_pool);
		if (ret)
			return mmheap_bad_write(attr, ret);
	} else {
		mmheap_pool_stop_thread(mmheap_pool);
	}
	return count;
}

static struct kobj_attribute thread_attr = __ATTR_RW(thread);

static ssize_t total_pools_kb_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct mmheap_pool_stats st;

	mmheap_pool_get_stats(mmheap_pool, &st);
	return sysfs_emit(buf, "%lu\n",
			  (st.clean_pages + st.dirty_pages) << (PAGE_SHIFT - 10));
}

static struct kobj_attribute total_pools_kb_attr = __ATTR_RO(total_pools_kb);

#define MMHEAP_STAT_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct mmheap_pool_stats st;					\
									\
	mmheap_pool_get_stats(mmheap_pool, &st);			\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

MMHEAP_STAT_ATTR(hits, st.hits);
MMHEAP_STAT_ATTR(misses, st.misses);
MMHEAP_STAT_ATTR(zeroed_bytes, st.zeroed_bytes);
MMHEAP_STAT_ATTR(refill_us, div_u64(st.refill_ns, NSEC_PER_USEC));

static struct attribute *mmheap_attrs[] = {
	&prefill_bytes_attr.attr,
	&prefill_done_attr.attr,
	&prefill_max_percent_attr.attr,
	&low_watermark_bytes_attr.attr,
	&pool_cap_bytes_attr.attr,
	&decay_ms_attr.attr,
	&buffer_max_bytes_attr.attr,
	&thread_attr.attr,
	&total_pools_kb_attr.attr,
	&hits_attr.attr,
	&misses_attr.attr,
	&zeroed_bytes_attr.attr,
	&refill_us_attr.attr,
	NULL,
};

static const struct attribute_group mmheap_group = {
	.attrs = mmheap_attrs,
};

struct mmheap_order_attr {
	struct kobj_attribute attr;
	unsigned int idx;
	bool dirty;
};

static ssize_t mmheap_order_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct mmheap_order_attr *oa =
		container_of(attr, struct mmheap_order_attr, attr);
	struct mmheap_pool_stats st;
	unsigned long chunks;

	mmheap_pool_get_stats(mmheap_pool, &st);
	chunks = oa->dirty ? st.dirty[oa->idx] : st.clean[oa->idx];
	return sysfs_emit(buf, "%lu\n", chunks << mmheap_orders[oa->idx]);
}

/* Indexes into mmheap_orders[], named by order for the macros below. */
enum { MMHEAP_IDX_8, MMHEAP_IDX_4, MMHEAP_IDX_0 };

#define MMHEAP_ORDER_ATTR(_var, _file, _idx, _dirty)			\
static struct mmheap_order_attr _var = {				\
	.attr = __ATTR(_file, 0444, mmheap_order_show, NULL),		\
	.idx = _idx,							\
	.dirty = _dirty,						\
}

#define MMHEAP_ORDER_GROUP(_order)					\
MMHEAP_ORDER_ATTR(order_##_order##_clean, clean_pages,			\
		  MMHEAP_IDX_##_order, false);				\
MMHEAP_ORDER_ATTR(order_##_order##_dirty, dirty_pages,			\
		  MMHEAP_IDX_##_order, true);				\
static struct attribute *order_##_order##_attrs[] = {			\
	&order_##_order##_clean.attr.attr,				\
	&order_##_order##_dirty.attr.attr,				\
	NULL,								\
};									\
									\
static const struct attribute_group order_##_order##_group = {		\
	.name = "order_" #_order,					\
	.attrs = order_##_order##_attrs,				\
}

MMHEAP_ORDER_GROUP(8);
MMHEAP_ORDER_GROUP(4);
MMHEAP_ORDER_GROUP(0);

static const struct attribute_group *mmheap_groups[] = {
	&mmheap_group,
	&order_8_group,
	&order_4_group,
	&order_0_group,
	NULL,
};

/**
 * mmheap_sysfs_prefill_done() - tell pollers of prefill_done that it is 1
 * @pool: the heap's pool
 */
void mmheap_sysfs_prefill_done(struct mmheap_pool *pool)
{
	if (mmheap_kobj)
		sysfs_notify(mmheap_kobj, NULL, "prefill_done");
}

/**
 * mmheap_sysfs_init() - create /sys/kernel/mm/mmheap/
 *
 * Return: 0 or a negative error code.
 */
int mmheap_sysfs_init(void)
{
	struct kobject *kobj;
	int ret;

	BUILD_BUG_ON(MMHEAP_NR_ORDERS != 3);

	kobj = kobject_create_and_add("mmheap", mm_kobj);
	if (!kobj)
		return -ENOMEM;

	ret = sysfs_create_groups(kobj, mmheap_groups);
	if (ret) {
		kobject_put(kobj);
		return ret;
	}
	mmheap_kobj = kobj;
	return 0;
}

/**
 * mmheap_sysfs_exit() - remove /sys/kernel/mm/mmheap/
 */
void mmheap_sysfs_exit(void)
{
	struct kobject *kobj = mmheap_kobj;

	mmheap_kobj = NULL;
	if (kobj) {
		sysfs_remove_groups(kobj, mmheap_groups);
		kobject_put(kobj);
	}
}
