// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap: controls and statistics in /sys/kernel/mm/mmheap/, debugging
 * controls in /sys/kernel/debug/mmheap/
 *
 * Copyright (C) 2025 mmheap developers
 *
 * See Documentation/ABI/testing/sysfs-kernel-mm-mmheap. The sysfs files are
 * what a camera HAL needs: a prefill request and its state, the limits, and
 * counters to tune them by. Switching the refill thread off and the
 * per-order counts are for people debugging the pool, so they live in
 * debugfs, which is not ABI.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "mmheap.h"
#include "mmheap_pool.h"

/* A day: far more than anybody wants, far from overflowing jiffies. */
#define MMHEAP_DECAY_MS_MAX	(24U * 60 * 60 * 1000)

static struct kobject *mmheap_kobj;
static struct kobject *mmheap_uncached_kobj;
static struct dentry *mmheap_debugfs;
/* Orders notifications against the removal of the files. */
static DEFINE_MUTEX(mmheap_kobj_lock);

static ssize_t mmheap_bad_write(struct kobj_attribute *attr, int err)
{
	pr_warn_ratelimited("%s: write refused (%d)\n", attr->attr.name, err);
	return err;
}

static u64 mmheap_ram_bytes(void)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/*
 * The pool a file is about: /sys/kernel/mm/mmheap/uncached/ is the
 * mmheap-uncached heap's, its parent the mmheap heap's. The kobject is set
 * before its files exist and cleared after they are gone.
 */
static struct mmheap_pool *mmheap_kobj_pool(struct kobject *kobj)
{
	return kobj == READ_ONCE(mmheap_uncached_kobj) ? mmheap_uncached_pool :
							  mmheap_pool;
}

static ssize_t prefill_bytes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  mmheap_pool_get_prefill(mmheap_kobj_pool(kobj)));
}

static ssize_t prefill_bytes_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	u64 bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret)
		ret = mmheap_prefill_pool(mmheap_kobj_pool(kobj), bytes);
	return ret ? mmheap_bad_write(attr, ret) : count;
}

static struct kobj_attribute prefill_bytes_attr = __ATTR_RW(prefill_bytes);

static ssize_t prefill_state_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct mmheap_pool *pool = mmheap_kobj_pool(kobj);

	return sysfs_emit(buf, "%s\n",
			  mmheap_prefill_state_name(mmheap_pool_prefill_state(pool)));
}

static struct kobj_attribute prefill_state_attr = __ATTR_RO(prefill_state);

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
	return sysfs_emit(buf, "%llu\n",
			  mmheap_pool_get_low_watermark(mmheap_kobj_pool(kobj)));
}

static ssize_t low_watermark_bytes_store(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 const char *buf, size_t count)
{
	u64 bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret && mmheap_heapless(mmheap_kobj_pool(kobj)))
		ret = -ENODEV;
	if (!ret)
		ret = mmheap_pool_set_low_watermark(mmheap_kobj_pool(kobj),
						    bytes);
	return ret ? mmheap_bad_write(attr, ret) : count;
}

static struct kobj_attribute low_watermark_bytes_attr =
	__ATTR_RW(low_watermark_bytes);

static ssize_t pool_cap_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  mmheap_pool_get_cap(mmheap_kobj_pool(kobj)));
}

static ssize_t pool_cap_bytes_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	u64 bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret && bytes > mmheap_ram_bytes())
		ret = -ERANGE;
	if (!ret)
		ret = mmheap_pool_set_cap(mmheap_kobj_pool(kobj), bytes);
	return ret ? mmheap_bad_write(attr, ret) : count;
}

static struct kobj_attribute pool_cap_bytes_attr = __ATTR_RW(pool_cap_bytes);

static ssize_t decay_ms_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  mmheap_pool_get_decay_ms(mmheap_kobj_pool(kobj)));
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
	mmheap_pool_set_decay_ms(mmheap_kobj_pool(kobj), val);
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
	u64 bytes;
	int ret;

	ret = mmheap_parse_bytes(buf, &bytes);
	if (!ret && (bytes < PAGE_SIZE || bytes > mmheap_ram_bytes() ||
		     bytes > ULONG_MAX))
		ret = -ERANGE;
	if (ret)
		return mmheap_bad_write(attr, ret);
	WRITE_ONCE(mmheap_buffer_max_bytes, bytes);
	return count;
}

static struct kobj_attribute buffer_max_bytes_attr =
	__ATTR_RW(buffer_max_bytes);

static ssize_t total_pools_kb_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct mmheap_pool_stats st;

	mmheap_pool_get_stats(mmheap_kobj_pool(kobj), &st);
	return sysfs_emit(buf, "%llu\n",
			  (u64)(st.clean_pages + st.dirty_pages) <<
			  (PAGE_SHIFT - 10));
}

static struct kobj_attribute total_pools_kb_attr = __ATTR_RO(total_pools_kb);

#define MMHEAP_STAT_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct mmheap_pool_stats st;					\
									\
	mmheap_pool_get_stats(mmheap_kobj_pool(kobj), &st);		\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

MMHEAP_STAT_ATTR(hits, st.hits);
MMHEAP_STAT_ATTR(misses, st.misses);
MMHEAP_STAT_ATTR(zeroed_bytes, st.zeroed_bytes);
MMHEAP_STAT_ATTR(refill_us, div_u64(st.refill_ns, NSEC_PER_USEC));

/* Each pool's own: in mmheap/ for mmheap, in mmheap/uncached/ for the other. */
static struct attribute *mmheap_pool_attrs[] = {
	&prefill_bytes_attr.attr,
	&prefill_state_attr.attr,
	&low_watermark_bytes_attr.attr,
	&pool_cap_bytes_attr.attr,
	&decay_ms_attr.attr,
	&total_pools_kb_attr.attr,
	&hits_attr.attr,
	&misses_attr.attr,
	&zeroed_bytes_attr.attr,
	&refill_us_attr.attr,
	NULL,
};

static const struct attribute_group mmheap_pool_group = {
	.attrs = mmheap_pool_attrs,
};

/* For both heaps: in mmheap/ only. */
static struct attribute *mmheap_attrs[] = {
	&prefill_max_percent_attr.attr,
	&buffer_max_bytes_attr.attr,
	NULL,
};

static const struct attribute_group mmheap_group = {
	.attrs = mmheap_attrs,
};

static const struct attribute_group *mmheap_groups[] = {
	&mmheap_group,
	&mmheap_pool_group,
	NULL,
};

static const struct attribute_group *mmheap_uncached_groups[] = {
	&mmheap_pool_group,
	NULL,
};

static int thread_get(void *data, u64 *val)
{
	*val = mmheap_pool_thread_running(data);
	return 0;
}

static int thread_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	if (!val) {
		mmheap_pool_stop_thread(data);
		return 0;
	}
	if (mmheap_heapless(data))
		return -ENODEV;
	return mmheap_pool_start_thread(data);
}

DEFINE_DEBUGFS_ATTRIBUTE(thread_fops, thread_get, thread_set, "%llu\n");

static int mmheap_pools_show(struct seq_file *m, void *v)
{
	struct mmheap_pool_stats st;
	int i;

	mmheap_pool_get_stats(m->private, &st);
	seq_puts(m, "order clean_chunks clean_pages dirty_chunks dirty_pages\n");
	for (i = 0; i < MMHEAP_NR_ORDERS; i++)
		seq_printf(m, "%5u %12lu %11lu %12lu %11lu\n", mmheap_orders[i],
			   st.clean[i], st.clean[i] << mmheap_orders[i],
			   st.dirty[i], st.dirty[i] << mmheap_orders[i]);
	seq_printf(m, "target_pages %lu\n", st.target_pages);
	seq_printf(m, "prefill_pages %lu\n", st.prefill_pages);
	seq_printf(m, "prefill_state %s\n", mmheap_prefill_state_name(st.state));
	seq_printf(m, "thread_wakeups %llu\n", st.wakeups);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(mmheap_pools);

/**
 * mmheap_sysfs_state_changed() - wake pollers of prefill_state
 * @pool: the pool whose state changed
 *
 * Called on every change of the prefill state.
 */
void mmheap_sysfs_state_changed(struct mmheap_pool *pool)
{
	struct kobject *kobj;

	mutex_lock(&mmheap_kobj_lock);
	kobj = pool == mmheap_uncached_pool ? mmheap_uncached_kobj :
					      mmheap_kobj;
	if (kobj)
		sysfs_notify(kobj, NULL, "prefill_state");
	mutex_unlock(&mmheap_kobj_lock);
}

/* /sys/kernel/debug/mmheap/[uncached/]: debugging controls of one pool. */
static void mmheap_debugfs_pool(struct dentry *dir, struct mmheap_pool *pool)
{
	debugfs_create_file_unsafe("thread", 0600, dir, pool, &thread_fops);
	debugfs_create_file("pools", 0400, dir, pool, &mmheap_pools_fops);
}

/**
 * mmheap_sysfs_init() - create /sys/kernel/mm/mmheap/ and its uncached/
 *
 * uncached/ only if there is an mmheap_uncached_pool.
 *
 * Return: 0 or a negative error code.
 */
int mmheap_sysfs_init(void)
{
	struct kobject *kobj, *uncached;
	int ret;

	kobj = kobject_create_and_add("mmheap", mm_kobj);
	if (!kobj)
		return -ENOMEM;
	ret = sysfs_create_groups(kobj, mmheap_groups);
	if (ret) {
		kobject_put(kobj);
		return ret;
	}
	if (mmheap_uncached_pool) {
		uncached = kobject_create_and_add("uncached", kobj);
		if (!uncached) {
			ret = -ENOMEM;
			goto err;
		}
		/* Before its files exist, so that they find their pool. */
		mutex_lock(&mmheap_kobj_lock);
		WRITE_ONCE(mmheap_uncached_kobj, uncached);
		mutex_unlock(&mmheap_kobj_lock);
		ret = sysfs_create_groups(uncached, mmheap_uncached_groups);
		if (ret) {
			mutex_lock(&mmheap_kobj_lock);
			WRITE_ONCE(mmheap_uncached_kobj, NULL);
			mutex_unlock(&mmheap_kobj_lock);
			kobject_put(uncached);
			goto err;
		}
	}
	mutex_lock(&mmheap_kobj_lock);
	mmheap_kobj = kobj;
	mutex_unlock(&mmheap_kobj_lock);

	/* debugfs is optional: failures here are not errors. */
	mmheap_debugfs = debugfs_create_dir("mmheap", NULL);
	mmheap_debugfs_pool(mmheap_debugfs, mmheap_pool);
	if (mmheap_uncached_pool)
		mmheap_debugfs_pool(debugfs_create_dir("uncached",
						       mmheap_debugfs),
				    mmheap_uncached_pool);
	return 0;

err:
	sysfs_remove_groups(kobj, mmheap_groups);
	kobject_put(kobj);
	return ret;
}

/**
 * mmheap_sysfs_exit() - remove /sys/kernel/mm/mmheap/ and its uncached/
 */
void mmheap_sysfs_exit(void)
{
	struct kobject *kobj, *uncached;

	debugfs_remove_recursive(mmheap_debugfs);
	mmheap_debugfs = NULL;
	/*
	 * No notification can use the files once this returns; until the
	 * uncached files are gone, they must still find their own pool.
	 */
	mutex_lock(&mmheap_kobj_lock);
	kobj = mmheap_kobj;
	uncached = mmheap_uncached_kobj;
	mmheap_kobj = NULL;
	mutex_unlock(&mmheap_kobj_lock);
	if (uncached)
		sysfs_remove_groups(uncached, mmheap_uncached_groups);
	if (kobj)
		sysfs_remove_groups(kobj, mmheap_groups);
	mutex_lock(&mmheap_kobj_lock);
	WRITE_ONCE(mmheap_uncached_kobj, NULL);
	mutex_unlock(&mmheap_kobj_lock);
	kobject_put(uncached);
	kobject_put(kobj);
}
