// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap selftest: drives /sys/kernel/mm/mmheap/ and /dev/dma_heap/mmheap
 * the way a camera HAL does (prefill, wait for prefill_done with poll(),
 * allocate), and checks what the HAL relies on: every byte it gets is
 * zero, the statistics tell the truth, bad sysfs writes change nothing,
 * the refill thread runs at SCHED_IDLE and can be stopped and restarted,
 * and a hostile allocation length takes no memory.
 *
 * Most checks stop the refill thread first: with it stopped nothing but
 * the test moves the pools, so the counters can be compared exactly.
 * The tunables are saved at the start and restored at the end.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "../kselftest.h"

#define SYSFS_DIR	"/sys/kernel/mm/mmheap/"
#define HEAP_PATH	"/dev/dma_heap/mmheap"
/* The comm of the heap's refill kthread (kthread_run() in mmheap_heap.c). */
#define THREAD_COMM	"mmheap_refill"

#define SZ_1M		(1024ULL * 1024)
#define PREFILL_SIZE	(16 * SZ_1M)
#define ALLOC_SIZE	(8 * SZ_1M)
/* Generous: the QEMU guests this runs in emulate the CPU (TCG). */
#define WAIT_MS		120000
/* MemFree may drift a little for reasons that have nothing to do with us. */
#define MEMFREE_SLACK_KB (16 * 1024)

static const int orders[] = { 8, 4, 0 };
static long page_size;

/* Tunables saved at start, restored at exit (order matters: see restore). */
static const char * const saved_names[] = {
	"thread", "prefill_max_percent", "pool_cap_bytes",
	"low_watermark_bytes", "decay_ms", "buffer_max_bytes",
	"prefill_bytes",
};

static char saved_vals[ARRAY_SIZE(saved_names)][64];

static int sysfs_read_str(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_DIR "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static int sysfs_read_u64(const char *name, uint64_t *val)
{
	char buf[64], *end;
	int ret;

	ret = sysfs_read_str(name, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

/* Returns 0 or -errno of the write(2), so callers can check the errno. */
static int sysfs_write(const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), SYSFS_DIR "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(val))
		ret = -EIO;
	close(fd);
	return ret;
}

static int sysfs_write_u64(const char *name, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return sysfs_write(name, buf);
}

static uint64_t sysfs_u64(const char *name)
{
	uint64_t val = 0;

	if (sysfs_read_u64(name, &val))
		ksft_print_msg("cannot read %s\n", name);
	return val;
}

static uint64_t order_pages(int order, const char *kind)
{
	char name[64];

	snprintf(name, sizeof(name), "order_%d/%s", order, kind);
	return sysfs_u64(name);
}

static uint64_t clean_bytes(void)
{
	uint64_t bytes = 0;
	unsigned int i;

	/* order_<N>/clean_pages counts pages, whatever the chunk order. */
	for (i = 0; i < ARRAY_SIZE(orders); i++)
		bytes += order_pages(orders[i], "clean_pages") * page_size;
	return bytes;
}

static uint64_t dirty_pages(void)
{
	uint64_t pages = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(orders); i++)
		pages += order_pages(orders[i], "dirty_pages");
	return pages;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Returns 0 and the dma-buf fd, or -errno of the ioctl. */
static int heap_alloc(int heap_fd, uint64_t len, int *buf_fd)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
		.heap_flags = 0,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	*buf_fd = data.fd;
	return 0;
}

static int buf_sync(int buf_fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/*
 * Maps the buffer; with @fill set writes @fill to every byte, else checks
 * every byte is zero. Returns 0, the 1-based offset of the first non-zero
 * byte, or -errno.
 */
static long long buf_access(int buf_fd, uint64_t len, unsigned char fill)
{
	uint64_t *p;
	long long ret = 0;
	uint64_t i;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (buf_sync(buf_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW)) {
		ret = -errno;
		goto out;
	}
	if (fill) {
		memset(p, fill, len);
	} else {
		for (i = 0; i < len / sizeof(*p); i++) {
			if (p[i]) {
				ret = i * sizeof(*p) + 1;
				break;
			}
		}
	}
	buf_sync(buf_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
out:
	munmap(p, len);
	return ret;
}

/* Reports the result of an all-zero check under @what. */
static bool check_zero(int buf_fd, uint64_t len, const char *what)
{
	long long r = buf_access(buf_fd, len, 0);

	if (r < 0) {
		ksft_print_msg("%s: mmap/sync failed: %s\n", what,
			       strerror(-r));
		return false;
	}
	if (r > 0) {
		ksft_print_msg("%s: non-zero byte at offset %lld of %llu\n",
			       what, r - 1, (unsigned long long)len);
		return false;
	}
	return true;
}

/*
 * Waits the way a HAL should: read prefill_done once (that arms
 * sysfs_notify()), then poll() for POLLPRI|POLLERR and re-read.
 * Returns 0 when it reads 1, -ETIMEDOUT or -errno otherwise.
 */
static int wait_prefill_done(int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[16];
	int fd, ret;

	fd = open(SYSFS_DIR "prefill_done", O_RDONLY);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLPRI | POLLERR };
		long long left;
		ssize_t n;

		if (lseek(fd, 0, SEEK_SET) < 0) {
			ret = -errno;
			break;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0) {
			ret = -errno;
			break;
		}
		buf[n] = '\0';
		if (buf[0] == '1') {
			ret = 0;
			break;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		n = poll(&pfd, 1, left);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	close(fd);
	return ret;
}

/* Returns the pid of the refill thread, or -1 if it is not running. */
static pid_t find_refill_thread(void)
{
	struct dirent *de;
	pid_t pid = -1;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], comm[32];
		ssize_t n;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			continue;
		comm[n] = '\0';
		if (comm[n - 1] == '\n')
			comm[n - 1] = '\0';
		if (!strcmp(comm, THREAD_COMM)) {
			pid = atoi(de->d_name);
			break;
		}
	}
	closedir(d);
	return pid;
}

/* kthread_stop() is synchronous, but give /proc a moment to catch up. */
static pid_t wait_thread_state(bool running)
{
	long long deadline = now_ms() + 5000;
	pid_t pid;

	for (;;) {
		bool up;

		pid = find_refill_thread();
		up = pid > 0;
		if (up == running || now_ms() > deadline)
			return pid;
		usleep(10000);
	}
}

static bool thread_set(bool on)
{
	int ret = sysfs_write("thread", on ? "1" : "0");

	if (ret) {
		ksft_print_msg("writing %d to thread: %s\n", on, strerror(-ret));
		return false;
	}
	return true;
}

static void save_state(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(saved_names); i++)
		if (sysfs_read_str(saved_names[i], saved_vals[i],
				   sizeof(saved_vals[i])))
			saved_vals[i][0] = '\0';
}

static void restore_state(void)
{
	unsigned int i;
	int pass;

	/*
	 * pool_cap_bytes must stay >= low_watermark_bytes, so whichever order
	 * is right depends on the values: two passes make both land.
	 */
	sysfs_write("thread", "0");
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ARRAY_SIZE(saved_names); i++)
			if (saved_vals[i][0])
				sysfs_write(saved_names[i], saved_vals[i]);
}

static bool prefilled;

static void test_prefill_syntax(void)
{
	uint64_t val = 0;
	int ret;

	/* memparse suffix and one trailing newline, as `echo 16M >` sends. */
	ret = sysfs_write("prefill_bytes", "16M\n");
	if (!ret)
		ret = sysfs_read_u64("prefill_bytes", &val);
	ksft_test_result(!ret && val == PREFILL_SIZE,
			 "prefill_bytes accepts \"16M\\n\" (read back %llu, %s)\n",
			 (unsigned long long)val, ret ? strerror(-ret) : "ok");
}

static void test_prefill_poll(void)
{
	long long t0 = now_ms();
	uint64_t pool_kb;
	int ret;

	ret = sysfs_write_u64("prefill_bytes", PREFILL_SIZE);
	if (!ret)
		ret = wait_prefill_done(WAIT_MS);
	pool_kb = sysfs_u64("total_pools_kb");
	prefilled = !ret && pool_kb * 1024 >= PREFILL_SIZE &&
		    clean_bytes() >= PREFILL_SIZE;
	ksft_test_result(prefilled,
			 "prefill of %llu MiB signalled by poll() on prefill_done in %lld ms (%s, total_pools_kb %llu)\n",
			 PREFILL_SIZE / SZ_1M, now_ms() - t0,
			 ret ? strerror(-ret) : "ok",
			 (unsigned long long)pool_kb);
}

static void test_prefilled_alloc(int heap_fd)
{
	uint64_t hits0, kb0, kb1, kb2;
	int buf_fd, ret;

	if (!prefilled || !thread_set(false)) {
		ksft_test_result_skip("prefilled alloc is zero: pool not prefilled\n");
		ksft_test_result_skip("hits rise: pool not prefilled\n");
		ksft_test_result_skip("total_pools_kb falls on alloc: pool not prefilled\n");
		ksft_test_result_skip("total_pools_kb rises on free: pool not prefilled\n");
		return;
	}
	hits0 = sysfs_u64("hits");
	kb0 = sysfs_u64("total_pools_kb");
	ret = heap_alloc(heap_fd, ALLOC_SIZE, &buf_fd);
	if (ret) {
		ksft_print_msg("alloc of %llu bytes: %s\n",
			       ALLOC_SIZE, strerror(-ret));
		ksft_test_result_fail("prefilled alloc is zero\n");
		ksft_test_result_fail("hits rise\n");
		ksft_test_result_fail("total_pools_kb falls on alloc\n");
		ksft_test_result_fail("total_pools_kb rises on free\n");
		return;
	}
	kb1 = sysfs_u64("total_pools_kb");
	ksft_test_result(check_zero(buf_fd, ALLOC_SIZE, "prefilled"),
			 "prefilled alloc of %llu MiB is zero\n",
			 ALLOC_SIZE / SZ_1M);
	ksft_test_result(sysfs_u64("hits") > hits0,
			 "hits rise after a prefilled alloc (%llu -> %llu)\n",
			 (unsigned long long)hits0,
			 (unsigned long long)sysfs_u64("hits"));
	ksft_test_result(kb0 >= kb1 + ALLOC_SIZE / 1024,
			 "total_pools_kb falls by the allocation (%llu -> %llu)\n",
			 (unsigned long long)kb0, (unsigned long long)kb1);
	close(buf_fd);
	/* Freed pages wait on the to-be-zeroed list, still in the pool. */
	kb2 = sysfs_u64("total_pools_kb");
	ksft_test_result(kb2 >= kb1 + ALLOC_SIZE / 1024,
			 "total_pools_kb rises on free (%llu -> %llu, dirty pages %llu)\n",
			 (unsigned long long)kb1, (unsigned long long)kb2,
			 (unsigned long long)dirty_pages());
}

static void test_misses(int heap_fd)
{
	uint64_t misses0, len;
	int buf_fd, ret;

	if (!thread_set(false)) {
		ksft_test_result_skip("misses rise: cannot stop the thread\n");
		ksft_test_result_skip("missed alloc is zero: cannot stop the thread\n");
		return;
	}
	/* Ask for more than the pool holds clean: the rest must miss. */
	len = clean_bytes() + 4 * SZ_1M;
	misses0 = sysfs_u64("misses");
	ret = heap_alloc(heap_fd, len, &buf_fd);
	if (ret) {
		ksft_print_msg("alloc of %llu bytes: %s\n",
			       (unsigned long long)len, strerror(-ret));
		ksft_test_result_fail("misses rise\n");
		ksft_test_result_fail("missed alloc is zero\n");
		return;
	}
	ksft_test_result(sysfs_u64("misses") > misses0,
			 "misses rise when the pool runs out (%llu -> %llu)\n",
			 (unsigned long long)misses0,
			 (unsigned long long)sysfs_u64("misses"));
	ksft_test_result(check_zero(buf_fd, len, "missed"),
			 "alloc of %llu bytes beyond the pool is zero\n",
			 (unsigned long long)len);
	close(buf_fd);
}

/* Writes 0xa5 to a buffer, frees it, allocates again; must read zero. */
static bool dirty_roundtrip(int heap_fd, bool wait_zeroed, const char *what)
{
	long long deadline;
	int buf_fd, ret;
	bool ok;

	ret = heap_alloc(heap_fd, ALLOC_SIZE, &buf_fd);
	if (!ret && buf_access(buf_fd, ALLOC_SIZE, 0xa5))
		ret = -EIO;
	if (ret) {
		ksft_print_msg("%s: alloc/fill: %s\n", what, strerror(-ret));
		return false;
	}
	close(buf_fd);
	if (wait_zeroed) {
		/* The refill thread must zero the freed pages back into use. */
		deadline = now_ms() + WAIT_MS;
		while (dirty_pages() && now_ms() < deadline)
			usleep(20000);
		if (dirty_pages()) {
			ksft_print_msg("%s: %llu dirty pages left after %d ms\n",
				       what, (unsigned long long)dirty_pages(),
				       WAIT_MS);
			return false;
		}
	}
	ret = heap_alloc(heap_fd, ALLOC_SIZE, &buf_fd);
	if (ret) {
		ksft_print_msg("%s: realloc: %s\n", what, strerror(-ret));
		return false;
	}
	ok = check_zero(buf_fd, ALLOC_SIZE, what);
	close(buf_fd);
	return ok;
}

static void test_freed_come_back_zero(int heap_fd)
{
	bool ok;

	ok = thread_set(false) &&
	     dirty_roundtrip(heap_fd, false, "thread stopped");
	ksft_test_result(ok, "written-then-freed buffer is zero on realloc (thread stopped)\n");

	ok = thread_set(true) &&
	     dirty_roundtrip(heap_fd, true, "thread running");
	ksft_test_result(ok, "written-then-freed buffer is zero after the thread zeroed it\n");
}

static void test_thread_restart(void)
{
	uint64_t state;
	bool ok = true;
	int i;

	for (i = 0; i < 5 && ok; i++) {
		ok = thread_set(false) && wait_thread_state(false) < 0 &&
		     !sysfs_read_u64("thread", &state) && state == 0;
		if (!ok) {
			ksft_print_msg("round %d: thread did not stop\n", i);
			break;
		}
		ok = thread_set(true) && wait_thread_state(true) > 0 &&
		     !sysfs_read_u64("thread", &state) && state == 1;
		if (!ok)
			ksft_print_msg("round %d: thread did not start\n", i);
	}
	ksft_test_result(ok, "thread 0/1 stops and restarts \"%s\" 5 times\n",
			 THREAD_COMM);
}

static void test_sched_idle(void)
{
	int policy, first;
	long long t0;
	pid_t pid;

	pid = thread_set(true) ? wait_thread_state(true) : -1;
	if (pid < 0) {
		ksft_test_result_fail("refill thread policy: no \"%s\" in /proc\n",
				      THREAD_COMM);
		return;
	}
	/*
	 * A thread that sets its own policy is SCHED_NORMAL until it first
	 * runs; allow it a second, but say so, as the window is avoidable
	 * (set the policy before wake_up_process()).
	 */
	t0 = now_ms();
	first = sched_getscheduler(pid);
	policy = first;
	while (policy != SCHED_IDLE && now_ms() - t0 < 1000) {
		usleep(1000);
		policy = sched_getscheduler(pid);
	}
	if (first != policy)
		ksft_print_msg("refill thread was policy %d, SCHED_IDLE after %lld ms\n",
			       first, now_ms() - t0);
	ksft_test_result(policy == SCHED_IDLE,
			 "refill thread (pid %d) policy is SCHED_IDLE (got %d)\n",
			 pid, policy);
}

struct bad_write {
	const char *file;
	const char *val;	/* NULL: computed "above cap" value */
	int err;		/* expected errno */
	int alt_err;		/* also accepted, or 0 */
	const char *why;
};

static const struct bad_write bad_writes[] = {
	{ "prefill_bytes", "abc", EINVAL, 0, "not a number" },
	{ "prefill_bytes", "-1", EINVAL, ERANGE, "negative" },
	{ "prefill_bytes", "99999999999999999999999", ERANGE, EINVAL, "overflow" },
	{ "prefill_bytes", "12abc", EINVAL, 0, "trailing junk" },
	{ "prefill_bytes", "12\n\n", EINVAL, 0, "two newlines" },
	{ "prefill_bytes", NULL, ERANGE, 0, "above prefill_max_percent of RAM" },
	{ "prefill_max_percent", "0", ERANGE, EINVAL, "below 1" },
	{ "prefill_max_percent", "91", ERANGE, EINVAL, "above 90" },
	{ "prefill_max_percent", "x", EINVAL, 0, "not a number" },
	{ "low_watermark_bytes", "-4096", EINVAL, ERANGE, "negative" },
	{ "low_watermark_bytes", NULL, ERANGE, EINVAL, "above pool_cap_bytes" },
	{ "pool_cap_bytes", "1M2", EINVAL, 0, "trailing junk" },
	{ "pool_cap_bytes", "99999999999999999999999", ERANGE, EINVAL, "overflow" },
	{ "decay_ms", "12abc", EINVAL, 0, "trailing junk" },
	{ "decay_ms", "-5", EINVAL, ERANGE, "negative" },
	{ "buffer_max_bytes", "lots", EINVAL, 0, "not a number" },
	{ "buffer_max_bytes", "99999999999999999999999", ERANGE, EINVAL, "overflow" },
	{ "thread", "2", EINVAL, ERANGE, "neither 0 nor 1" },
	{ "thread", "on1", EINVAL, 0, "not a number" },
};

static void test_bad_writes(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_writes); i++) {
		const struct bad_write *bw = &bad_writes[i];
		char before[64], after[64], val[64], shown[128];
		unsigned int j, k;
		int ret;

		if (bw->val) {
			snprintf(val, sizeof(val), "%s", bw->val);
		} else if (!strcmp(bw->file, "prefill_bytes")) {
			uint64_t pct = sysfs_u64("prefill_max_percent");
			uint64_t ram = (uint64_t)meminfo_kb("MemTotal") * 1024;

			snprintf(val, sizeof(val), "%llu",
				 (unsigned long long)(ram / 100 * (pct + 1) + SZ_1M));
		} else {
			snprintf(val, sizeof(val), "%llu", (unsigned long long)
				 (sysfs_u64("pool_cap_bytes") + SZ_1M));
		}
		/* One TAP line per result: show a newline in the value as \n. */
		for (j = 0, k = 0; val[j] && k < sizeof(shown) - 3; j++) {
			if (val[j] == '\n') {
				shown[k++] = '\\';
				shown[k++] = 'n';
			} else {
				shown[k++] = val[j];
			}
		}
		shown[k] = '\0';
		if (sysfs_read_str(bw->file, before, sizeof(before))) {
			ksft_test_result_fail("%s: cannot read\n", bw->file);
			continue;
		}
		ret = -sysfs_write(bw->file, val);
		sysfs_read_str(bw->file, after, sizeof(after));
		ksft_test_result((ret == bw->err || (bw->alt_err && ret == bw->alt_err)) &&
				 !strcmp(before, after),
				 "%s refuses %s \"%s\": %s (want %s), value %s -> %s\n",
				 bw->file, bw->why, shown,
				 ret ? strerror(ret) : "accepted",
				 strerror(bw->err), before, after);
	}
}

static void test_hostile_alloc(int heap_fd)
{
	uint64_t lens[3];
	unsigned int i;

	lens[0] = 1ULL << 63;
	lens[1] = ~0ULL;
	lens[2] = sysfs_u64("buffer_max_bytes") + 1;

	/* With the thread stopped MemFree only moves if the heap leaks. */
	thread_set(false);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		uint64_t kb0 = sysfs_u64("total_pools_kb");
		long free0 = meminfo_kb("MemFree");
		long free1;
		int buf_fd, ret;

		ret = heap_alloc(heap_fd, lens[i], &buf_fd);
		if (!ret)
			close(buf_fd);
		free1 = meminfo_kb("MemFree");
		ksft_test_result((ret == -EINVAL || ret == -ENOMEM) &&
				 free1 > free0 - MEMFREE_SLACK_KB &&
				 sysfs_u64("total_pools_kb") == kb0,
				 "hostile alloc len %#llx: %s, MemFree %ld -> %ld kB\n",
				 (unsigned long long)lens[i],
				 ret ? strerror(-ret) : "succeeded",
				 free0, free1);
	}
}

int main(void)
{
	int heap_fd;

	ksft_print_header();

	if (access(SYSFS_DIR, F_OK))
		ksft_exit_skip("%s missing: kernel built without CONFIG_MMHEAP?\n",
			       SYSFS_DIR);
	if (geteuid())
		ksft_exit_skip("needs root to write %s\n", SYSFS_DIR);
	heap_fd = open(HEAP_PATH, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0)
		ksft_exit_skip("cannot open %s: %s\n", HEAP_PATH, strerror(errno));

	page_size = sysconf(_SC_PAGESIZE);
	ksft_set_plan(1 + 1 + 4 + 2 + 2 + 1 + 1 + ARRAY_SIZE(bad_writes) + 3);

	save_state();
	/* Keep a prefill from decaying away while the test looks at it. */
	sysfs_write("decay_ms", "600000");
	thread_set(true);

	test_prefill_syntax();
	test_prefill_poll();
	test_prefilled_alloc(heap_fd);
	test_misses(heap_fd);
	test_freed_come_back_zero(heap_fd);
	test_thread_restart();
	test_sched_idle();
	test_bad_writes();
	test_hostile_alloc(heap_fd);

	restore_state();
	close(heap_fd);
	ksft_finished();
}
