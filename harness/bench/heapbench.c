// SPDX-License-Identifier: GPL-2.0
/*
 * heapbench: DMA-BUF heap allocation latency, system heap against mmheap
 * prefilled and mmheap empty, in one boot. A benchmark, not a test: it
 * prints numbers and judges nothing.
 *
 *   heapbench [-n iters] [-w warmup] [-s size,size,...] [-c] [-e MiB]
 *             [case ...]
 *
 * -c runs everything in a memory cgroup of heapbench's own (no limit), as
 * a camera HAL runs: mmheap charges its buffers there (the root cgroup is
 * never charged), and the system heap of v6.12 charges nothing.
 *
 * -e MiB (1 to 1024) stores to every cache line of that much user memory
 * before each timed allocation of the system, mmheap-* and named-heap
 * cases (outside the timed region; the bw:, touch:, scale:, refill and
 * interference cases ignore it), so that the allocation finds little in
 * the CPU caches and TLBs of what the refill, the last free or the last
 * allocation touched, and the caches full of dirty user lines. That is a
 * HAL's case: it prefills when the app starts and opens the camera seconds
 * later. Without -e, a prefilled case's allocation follows the refill at
 * once and finds in the cache whatever the refill's last steps left there
 * (the struct pages of the chunks it zeroed last, for one). Use several
 * times the last-level cache; in QEMU TCG, where caches are not modelled,
 * it only costs time.
 *
 * A case is "system", "mmheap-prefilled", "mmheap-empty",
 * "mmheap-uncached-prefilled", "mmheap-uncached-empty", the name of any
 * other heap in /dev/dma_heap (timed as is), "bw:<heap>", the CPU's
 * write bandwidth through mmap() of a buffer of that heap, or
 * "touch:<heap>", a new buffer's first touch. Default: -n 20
 * -w 1 -s 4K,1,4,8,32,64 and every case named here, on system, mmheap and
 * mmheap-uncached.
 *
 * Each iteration times DMA_HEAP_IOCTL_ALLOC and, separately, the close()
 * that frees the buffer, with CLOCK_MONOTONIC. Output, one record a line,
 * space-separated key=value after a tag, everything else starts with '#':
 *
 *   raw case=<c> size_mib=<s> iter=<i> alloc_ns=<n> free_ns=<n> [prefill_wait_ns=<n>]
 *   result case=<c> size_mib=<s> n=<n> alloc_p50_ns=<n> alloc_p90_ns=<n>
 *          alloc_min_ns=<n> alloc_max_ns=<n> free_p50_ns=<n> free_p90_ns=<n>
 *   stats case=<c> size_mib=<s> hits=<delta> misses=<delta>
 *   error case=<c> size_mib=<s> msg=<word> [errno=<n>]
 *   clock clocksource=<name> res_ns=<n>
 *   bwraw case=<c> size_mib=<s> iter=<i> write_ns=<n>
 *   bw case=<c> size_mib=<s> n=<n> write_p50_ns=<n> mb_per_s=<n>
 *   kraw case=<c> size_mib=<s> iter=<i> kernel_ns=<n>
 *   kernel case=<c> size_mib=<s> n=<n> kernel_p50_ns=<n> kernel_p90_ns=<n>
 *          kernel_min_ns=<n> kernel_max_ns=<n>
 *
 * kernel_ns is mmheap's own allocate() time, from its mmheap_alloc
 * tracepoint (ktime from entry to the exported buffer), when tracefs has
 * the event: it leaves out the system call, the fd and user space, which
 * dominate in UML. The system heap has no such tracepoint; mmheap-empty
 * runs the same page allocator calls and is its in-kernel stand-in.
 *
 * Check the clock line first: a QEMU TCG guest whose TSC calibration fails
 * (no HPET or ACPI PM timer to calibrate against) falls back to the jiffies
 * clocksource, res_ns=4000000 at HZ=250, and every pool hit then reads 0.
 * Booting with tsc_early_khz=<host kHz> tsc=reliable keeps it on the TSC.
 *
 * mmheap-prefilled: before every timed allocation (warm-up included) it
 * writes the size to prefill_bytes and waits with poll() for prefill_state
 * to read "done", so every timed allocation is served from the pool (and
 * consumes the request). The wait is outside
 * the timed region and reported as prefill_wait_ns.
 *
 * The mmheap-uncached cases do the same with that heap's pool, in
 * /sys/kernel/mm/mmheap/uncached/. Its empty case is what an uncached heap
 * without a pool does on every allocation: allocate, zero, and switch the
 * pages to write-combining on the allocation path.
 *
 * bw:<heap>: one buffer of each size is mmapped, and every iteration times
 * a memset() of all of it between DMA_BUF_IOCTL_SYNC start and end, as a
 * CPU writer does. Under emulation (QEMU TCG, UML) there is no
 * write-combining: the figure there says nothing of the hardware.
 *
 * touch:<heap>: the first touch of a new buffer, as a producer that fills
 * it does: every iteration allocates a buffer (not timed), then times its
 * mmap(), a memset() of all of it and munmap(). Reported as bwraw and bw
 * records (write_ns is that whole time).
 *
 * scale:<heap>: 1, 2 and 4 threads allocating and freeing 4 MiB buffers
 * for 2 s, buffers per second (for mmheap with a low watermark of 256 MiB):
 *   scale case=<c> size_mib=4 threads=<n> seconds=2 buffers=<n> per_s=<n>
 * refill: the refill thread zeroing a prefill of 1 GiB (half of RAM at
 * most) from an empty pool, against a user-space memset() of as much:
 *   refill case=refill size_mib=<n> wall_ns=<n> mb_per_s=<n> ...
 * interference: a SCHED_NORMAL CPU hog on every CPU counts iterations for
 * 3 s, with the pool idle and then with that prefill outstanding; three
 * pairs:
 *   interference case=interference round=<r> ... ratio_ppm=<n>
 *
 * mmheap-empty: the pool is drained (prefill 0, low watermark 0, cap 0:
 * the kernel's decay worker trims it to nothing) and the thread stopped
 * through debugfs; with a target of 0 a free goes straight back to the
 * page allocator, so every allocation misses. This is the cost of mmheap when the HAL did not prefill.
 *
 * The mmheap tunables are saved before an mmheap case and restored after.
 *
 * It also runs on the first version of the series (v1), to compare the two
 * in the same conditions: v1 had prefill_done, a standing prefill and the
 * thread switch in sysfs; each is used when v2's file is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#define SYSFS		"/sys/kernel/mm/mmheap/"
#define THREAD		"/sys/kernel/debug/mmheap/thread"
#define THREAD_V1	SYSFS "thread"

/* The pool a case drives: mmheap's, or mmheap-uncached's. */
struct pool_paths {
	const char *sysfs;
	const char *thread;
};

static const struct pool_paths cached_paths = { SYSFS, THREAD };
static const struct pool_paths uncached_paths = {
	SYSFS "uncached/", "/sys/kernel/debug/mmheap/uncached/thread",
};
static const struct pool_paths *pp = &cached_paths;
#define TRACEFS		"/sys/kernel/tracing/"
#define EVENT		TRACEFS "events/mmheap/mmheap_alloc/enable"
#define HEAP_DIR	"/dev/dma_heap/"
#define MIB		(1024ULL * 1024)
#define WAIT_MS		120000
#define MAX_SIZES	16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* -e: the buffer written before every timed allocation, and its size. */
static unsigned char *evict_buf;
static size_t evict_len;

/*
 * One store per 64-byte line, through a volatile pointer: memset() may use
 * non-temporal stores for large sizes, which would leave the cache alone.
 */
static void evict_caches(int iter)
{
	volatile uint64_t *p = (volatile uint64_t *)evict_buf;
	size_t i;

	for (i = 0; i < evict_len / sizeof(*p); i += 64 / sizeof(*p))
		p[i] = iter;
}

enum mode { PLAIN, PREFILLED, EMPTY, BANDWIDTH, TOUCH };

static const char * const tunables[] = {
	"prefill_max_percent", "pool_cap_bytes",
	"low_watermark_bytes", "decay_ms", "buffer_max_bytes", "prefill_bytes",
};

static char saved[ARRAY_SIZE(tunables)][64];

/* A size in KiB as size_mib= prints it: whole MiB, or a fraction. */
static const char *mib(unsigned int kib)
{
	static char buf[4][24];
	static int n;
	char *b = buf[n++ & 3];

	if (kib % 1024)
		snprintf(b, sizeof(buf[0]), "%.6f", kib / 1024.0);
	else
		snprintf(b, sizeof(buf[0]), "%u", kib / 1024);
	return b;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int sysfs_read(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", pp->sysfs, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

static uint64_t sysfs_u64(const char *name)
{
	char buf[64];

	if (sysfs_read(name, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

static int sysfs_write(const char *name, const char *val)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s%s", pp->sysfs, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		printf("# writing \"%s\" to %s: %s\n", val, name, strerror(-ret));
	return ret;
}

/* Write a whole small file; 0 or -errno. */
static int write_file(const char *path, const char *val, int flags)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The refill thread's switch is in debugfs (mounted by the guest's init);
 * v1 had it in sysfs.
 */
static int thread_set(bool on)
{
	const char *path = access(pp->thread, F_OK) ? THREAD_V1 : pp->thread;
	int ret = write_file(path, on ? "1" : "0", 0);

	if (ret)
		printf("# writing %d to %s: %s\n", on, path, strerror(-ret));
	return ret;
}

/*
 * -c: run in a memory cgroup of our own, as a camera HAL does, so that
 * mmheap's memcg charge is part of what is timed (the root cgroup is never
 * charged). No limit is set. Returns 0, or -1 with a reason printed.
 */
#define CGROUP_MNT	"/sys/fs/cgroup"
static int join_memcg(void)
{
	char pid[32];

	if (access(CGROUP_MNT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CGROUP_MNT, "cgroup2", 0, NULL)) {
		printf("# -c: cannot mount cgroup2 on %s: %s\n", CGROUP_MNT,
		       strerror(errno));
		return -1;
	}
	if (write_file(CGROUP_MNT "/cgroup.subtree_control", "+memory", 0)) {
		printf("# -c: no memory controller in %s\n", CGROUP_MNT);
		return -1;
	}
	if (mkdir(CGROUP_MNT "/heapbench", 0755) && errno != EEXIST) {
		printf("# -c: mkdir %s/heapbench: %s\n", CGROUP_MNT,
		       strerror(errno));
		return -1;
	}
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(CGROUP_MNT "/heapbench/cgroup.procs", pid, 0)) {
		printf("# -c: cannot join %s/heapbench\n", CGROUP_MNT);
		return -1;
	}
	printf("memcg path=%s/heapbench\n", CGROUP_MNT);
	return 0;
}

/* Kernel-side times: the mmheap_alloc event, if this kernel traces. */
static bool ktrace;

static void ktrace_start(void)
{
	ktrace = !write_file(EVENT, "1", 0);
	if (!ktrace)
		printf("# no %s: no kernel-side times\n", EVENT);
}

static void ktrace_clear(void)
{
	if (ktrace)
		write_file(TRACEFS "trace", "", O_TRUNC);
}

/* The ns= of every mmheap_alloc event in the trace buffer, in order. */
static int ktrace_read(uint64_t *ns, int max)
{
	char line[512], *p;
	FILE *f;
	int n = 0;

	f = fopen(TRACEFS "trace", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strstr(line, "mmheap_alloc:"))
			continue;
		p = strstr(line, " ns=");
		if (!p)
			continue;
		if (n < max)
			ns[n] = strtoull(p + 4, NULL, 10);
		n++;
	}
	fclose(f);
	return n;
}

static int sysfs_write_u64(const char *name, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return sysfs_write(name, buf);
}

static void save_tunables(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		if (sysfs_read(tunables[i], saved[i], sizeof(saved[i])))
			saved[i][0] = '\0';
}

static void restore_tunables(void)
{
	unsigned int i;
	int pass;

	/* pool_cap_bytes >= low_watermark_bytes: two passes settle both. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ARRAY_SIZE(tunables); i++)
			if (saved[i][0])
				sysfs_write(tunables[i], saved[i]);
	thread_set(true);
}

/*
 * Read prefill_state once (arms sysfs_notify), then poll() and re-read.
 * v1 had prefill_done, which read "1" once the pool held the request.
 */
static int wait_prefill_done(int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ULL;
	char buf[16], path[256];
	int fd, ret = -ETIMEDOUT;
	bool v1;

	snprintf(path, sizeof(path), "%sprefill_state", pp->sysfs);
	v1 = access(path, F_OK) != 0;
	if (v1)
		snprintf(path, sizeof(path), "%sprefill_done", pp->sysfs);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLPRI | POLLERR };
		uint64_t now;
		ssize_t n;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			ret = -errno;
			break;
		}
		buf[n > 0 ? n : 0] = '\0';
		if (!strncmp(buf, v1 ? "1" : "done", v1 ? 1 : 4)) {
			ret = 0;
			break;
		}
		if (!strncmp(buf, "expired", 7) || !strncmp(buf, "none", 4)) {
			ret = -ENOENT;
			break;
		}
		now = now_ns();
		if (now >= deadline)
			break;
		poll(&pfd, 1, (deadline - now) / 1000000 + 1);
	}
	close(fd);
	return ret;
}

static int wait_pool_empty(int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ULL;

	while (sysfs_u64("total_pools_kb")) {
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *v, int n, int p)
{
	int rank = (n * p + 99) / 100;

	return v[rank > 0 ? rank - 1 : 0];
}

/*
 * The kernel-side figures of one size: its warm-up events come first and
 * are left out.
 */
static void report_kernel(const char *name, unsigned int size, int iters,
			  int warmup)
{
	int total = iters + warmup, n, i;
	uint64_t *ns;

	ns = calloc(total, sizeof(*ns));
	if (!ns)
		return;
	n = ktrace_read(ns, total);
	if (n != total) {
		printf("error case=%s size_mib=%s msg=trace_events got=%d want=%d\n",
		       name, mib(size), n, total);
		free(ns);
		return;
	}
	for (i = 0; i < iters; i++)
		printf("kraw case=%s size_mib=%s iter=%d kernel_ns=%llu\n",
		       name, mib(size), i, (unsigned long long)ns[warmup + i]);
	qsort(ns + warmup, iters, sizeof(*ns), cmp_u64);
	printf("kernel case=%s size_mib=%s n=%d kernel_p50_ns=%llu kernel_p90_ns=%llu kernel_min_ns=%llu kernel_max_ns=%llu\n",
	       name, mib(size), iters,
	       (unsigned long long)pct(ns + warmup, iters, 50),
	       (unsigned long long)pct(ns + warmup, iters, 90),
	       (unsigned long long)ns[warmup],
	       (unsigned long long)ns[total - 1]);
	free(ns);
}

static int prepare_mode(enum mode mode)
{
	switch (mode) {
	case PREFILLED:
		/* Keep the request alive between iterations; start clean. */
		if (thread_set(true) ||
		    sysfs_write("decay_ms", "600000"))
			return -1;
		return 0;
	case EMPTY:
		if (thread_set(true) ||
		    sysfs_write("prefill_bytes", "0") ||
		    sysfs_write("low_watermark_bytes", "0") ||
		    sysfs_write("pool_cap_bytes", "0"))
			return -1;
		/* The decay worker trims the pool down to the new cap of 0. */
		if (wait_pool_empty(WAIT_MS)) {
			printf("# pool still holds %llu kB\n",
			       (unsigned long long)sysfs_u64("total_pools_kb"));
			return -1;
		}
		return thread_set(false) ? -1 : 0;
	default:
		return 0;
	}
}

static int buf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_WRITE };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/* One bwraw record: a write time of one iteration. */
static void bw_raw(const char *name, unsigned int kib, int iter, uint64_t ns)
{
	printf("bwraw case=%s size_mib=%s iter=%d write_ns=%llu\n",
	       name, mib(kib), iter, (unsigned long long)ns);
}

/* The bw record of @iters write times (sorted here) of @kib KiB each. */
static void bw_report(const char *name, unsigned int kib, uint64_t *ns,
		      int iters)
{
	uint64_t p50;

	qsort(ns, iters, sizeof(*ns), cmp_u64);
	p50 = pct(ns, iters, 50);
	printf("bw case=%s size_mib=%s n=%d write_p50_ns=%llu mb_per_s=%llu\n",
	       name, mib(kib), iters, (unsigned long long)p50,
	       (unsigned long long)(kib * 1024ULL * 1000ULL / (p50 ?: 1)));
}

/* A new buffer's first touch: mmap(), write all of it, munmap(). */
static void run_touch(const char *name, int heap_fd,
		      const unsigned int *sizes, int nsizes, int iters,
		      int warmup)
{
	uint64_t *ns = calloc(iters, sizeof(*ns));
	int s, i;

	if (!ns) {
		printf("error case=%s size_mib=0 msg=out_of_memory\n", name);
		return;
	}
	for (s = 0; s < nsizes; s++) {
		size_t len = sizes[s] * 1024ULL;
		bool failed = false;

		for (i = -warmup; i < iters && !failed; i++) {
			struct dma_heap_allocation_data data = {
				.len = len,
				.fd_flags = O_RDWR | O_CLOEXEC,
			};
			uint64_t t0, t1;
			unsigned char *p;

			if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
				printf("error case=%s size_mib=%s msg=alloc errno=%d\n",
				       name, mib(sizes[s]), errno);
				failed = true;
				break;
			}
			t0 = now_ns();
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 data.fd, 0);
			if (p == MAP_FAILED) {
				printf("error case=%s size_mib=%s msg=mmap errno=%d\n",
				       name, mib(sizes[s]), errno);
				close(data.fd);
				failed = true;
				break;
			}
			buf_sync(data.fd, DMA_BUF_SYNC_START);
			memset(p, 0x5a, len);
			buf_sync(data.fd, DMA_BUF_SYNC_END);
			munmap(p, len);
			t1 = now_ns();
			close(data.fd);
			if (i < 0)
				continue;
			ns[i] = t1 - t0;
			bw_raw(name, sizes[s], i, ns[i]);
		}
		if (failed)
			continue;
		bw_report(name, sizes[s], ns, iters);
	}
	free(ns);
}

/* The CPU's write bandwidth through mmap() of one buffer of each size. */
static void run_bandwidth(const char *name, int heap_fd,
			  const unsigned int *sizes, int nsizes, int iters,
			  int warmup)
{
	uint64_t *ns = calloc(iters, sizeof(*ns));
	int s, i;

	if (!ns) {
		printf("error case=%s size_mib=0 msg=out_of_memory\n", name);
		return;
	}
	for (s = 0; s < nsizes; s++) {
		struct dma_heap_allocation_data data = {
			.len = sizes[s] * 1024ULL,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		size_t len = data.len;
		unsigned char *p;

		if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
			printf("error case=%s size_mib=%s msg=alloc errno=%d\n",
			       name, mib(sizes[s]), errno);
			continue;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 data.fd, 0);
		if (p == MAP_FAILED) {
			printf("error case=%s size_mib=%s msg=mmap errno=%d\n",
			       name, mib(sizes[s]), errno);
			close(data.fd);
			continue;
		}
		for (i = -warmup; i < iters; i++) {
			uint64_t t0, t1;

			buf_sync(data.fd, DMA_BUF_SYNC_START);
			t0 = now_ns();
			memset(p, i & 0xff, len);
			t1 = now_ns();
			buf_sync(data.fd, DMA_BUF_SYNC_END);
			if (i < 0)
				continue;
			ns[i] = t1 - t0;
			bw_raw(name, sizes[s], i, ns[i]);
		}
		munmap(p, len);
		close(data.fd);
		bw_report(name, sizes[s], ns, iters);
	}
	free(ns);
}

static void run_case(const char *name, enum mode mode, const char *heap,
		     const unsigned int *sizes, int nsizes, int iters,
		     int warmup)
{
	uint64_t *alloc_ns, *free_ns;
	char path[256];
	int heap_fd, s, i;

	snprintf(path, sizeof(path), HEAP_DIR "%s", heap);
	heap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0) {
		printf("error case=%s size_mib=0 msg=open_heap errno=%d\n",
		       name, errno);
		return;
	}
	if (mode == TOUCH) {
		run_touch(name, heap_fd, sizes, nsizes, iters, warmup);
		close(heap_fd);
		return;
	}
	if (mode == BANDWIDTH) {
		run_bandwidth(name, heap_fd, sizes, nsizes, iters, warmup);
		close(heap_fd);
		return;
	}
	alloc_ns = calloc(iters, sizeof(*alloc_ns));
	free_ns = calloc(iters, sizeof(*free_ns));
	if (!alloc_ns || !free_ns) {
		printf("error case=%s size_mib=0 msg=out_of_memory\n", name);
		goto out;
	}

	for (s = 0; s < nsizes; s++) {
		uint64_t len = sizes[s] * 1024ULL;
		uint64_t hits0 = 0, misses0 = 0;
		bool failed = false;

		if (mode != PLAIN) {
			hits0 = sysfs_u64("hits");
			misses0 = sysfs_u64("misses");
			ktrace_clear();
		}
		for (i = -warmup; i < iters && !failed; i++) {
			struct dma_heap_allocation_data data = {
				.len = len,
				.fd_flags = O_RDWR | O_CLOEXEC,
			};
			uint64_t t0, t1, t2, wait = 0;

			if (mode == PREFILLED) {
				t0 = now_ns();
				if (sysfs_write_u64("prefill_bytes", len) ||
				    wait_prefill_done(WAIT_MS)) {
					printf("error case=%s size_mib=%s msg=prefill_not_done\n",
					       name, mib(sizes[s]));
					failed = true;
					break;
				}
				wait = now_ns() - t0;
			}
			evict_caches(i);
			t0 = now_ns();
			if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
				printf("error case=%s size_mib=%s msg=alloc errno=%d\n",
				       name, mib(sizes[s]), errno);
				failed = true;
				break;
			}
			t1 = now_ns();
			close(data.fd);
			t2 = now_ns();
			if (i < 0)
				continue;
			alloc_ns[i] = t1 - t0;
			free_ns[i] = t2 - t1;
			printf("raw case=%s size_mib=%s iter=%d alloc_ns=%llu free_ns=%llu",
			       name, mib(sizes[s]), i,
			       (unsigned long long)alloc_ns[i],
			       (unsigned long long)free_ns[i]);
			if (mode == PREFILLED)
				printf(" prefill_wait_ns=%llu",
				       (unsigned long long)wait);
			printf("\n");
		}
		if (failed)
			continue;
		if (mode != PLAIN)
			printf("stats case=%s size_mib=%s hits=%llu misses=%llu\n",
			       name, mib(sizes[s]),
			       (unsigned long long)(sysfs_u64("hits") - hits0),
			       (unsigned long long)(sysfs_u64("misses") - misses0));
		qsort(alloc_ns, iters, sizeof(*alloc_ns), cmp_u64);
		qsort(free_ns, iters, sizeof(*free_ns), cmp_u64);
		printf("result case=%s size_mib=%s n=%d alloc_p50_ns=%llu alloc_p90_ns=%llu alloc_min_ns=%llu alloc_max_ns=%llu free_p50_ns=%llu free_p90_ns=%llu\n",
		       name, mib(sizes[s]), iters,
		       (unsigned long long)pct(alloc_ns, iters, 50),
		       (unsigned long long)pct(alloc_ns, iters, 90),
		       (unsigned long long)alloc_ns[0],
		       (unsigned long long)alloc_ns[iters - 1],
		       (unsigned long long)pct(free_ns, iters, 50),
		       (unsigned long long)pct(free_ns, iters, 90));
		if (mode != PLAIN && ktrace)
			report_kernel(name, sizes[s], iters, warmup);
		fflush(stdout);
	}
out:
	free(alloc_ns);
	free(free_ns);
	close(heap_fd);
}

/* ---- refill, interference, scale: the cost of the pool to others ---- */

#define HOG_SECONDS	3
#define SCALE_SECONDS	2
#define SCALE_MIB	4

/* The bytes a 1 GiB request may take here: at most half of RAM. */
static uint64_t refill_bytes(void)
{
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
	uint64_t want = 1024 * MIB;

	if (want > ram / 2)
		want = ram / 2 & ~(MIB - 1);
	return want;
}

/* Room in the cached pool for refill_bytes(); tunables saved by the caller. */
static int pool_room(void)
{
	return sysfs_write("prefill_max_percent", "60") ||
	       sysfs_write("prefill_bytes", "0") ||
	       sysfs_write("low_watermark_bytes", "0") ||
	       sysfs_write("pool_cap_bytes", "0") ||
	       sysfs_write_u64("pool_cap_bytes", refill_bytes()) ||
	       thread_set(true) || wait_pool_empty(WAIT_MS) ? -1 : 0;
}

/*
 * refill: the refill thread's zeroing bandwidth, from an empty pool to a
 * prefill of refill_bytes() with nothing else running, against user space
 * memset() of as many bytes in the same guest (warm pages, second pass).
 */
static void run_refill(void)
{
	uint64_t bytes = refill_bytes(), t0, t1, us0, z0, m0, m1;
	unsigned char *buf;

	if (pool_room()) {
		printf("error case=refill size_mib=0 msg=setup_failed\n");
		return;
	}
	us0 = sysfs_u64("refill_us");
	z0 = sysfs_u64("zeroed_bytes");
	t0 = now_ns();
	if (sysfs_write_u64("prefill_bytes", bytes) ||
	    wait_prefill_done(WAIT_MS)) {
		printf("error case=refill size_mib=%llu msg=prefill_not_done\n",
		       (unsigned long long)(bytes / MIB));
		return;
	}
	t1 = now_ns();
	us0 = sysfs_u64("refill_us") - us0;
	z0 = sysfs_u64("zeroed_bytes") - z0;
	sysfs_write("prefill_bytes", "0");
	wait_pool_empty(WAIT_MS);

	buf = malloc(bytes);
	if (!buf) {
		printf("error case=refill size_mib=0 msg=out_of_memory\n");
		return;
	}
	memset(buf, 1, bytes);
	m0 = now_ns();
	memset(buf, 0, bytes);
	m1 = now_ns();
	/* Keep the compiler from dropping the memset(). */
	printf("# memset check byte %d\n", buf[bytes / 2]);
	free(buf);
	printf("refill case=refill size_mib=%llu wall_ns=%llu mb_per_s=%llu kernel_zeroed_bytes=%llu kernel_refill_us=%llu kernel_mb_per_s=%llu memset_ns=%llu memset_mb_per_s=%llu\n",
	       (unsigned long long)(bytes / MIB),
	       (unsigned long long)(t1 - t0),
	       (unsigned long long)(bytes * 1000 / (t1 - t0 ?: 1)),
	       (unsigned long long)z0, (unsigned long long)us0,
	       (unsigned long long)(us0 ? z0 / us0 : 0),
	       (unsigned long long)(m1 - m0),
	       (unsigned long long)(bytes * 1000 / (m1 - m0 ?: 1)));
}

/* One SCHED_NORMAL hog per CPU for @secs; returns the iterations of all. */
static uint64_t run_hogs(int ncpu, int secs)
{
	uint64_t total = 0;
	int fds[2], i;

	if (pipe(fds))
		return 0;
	for (i = 0; i < ncpu; i++) {
		if (!fork()) {
			uint64_t end = now_ns() + secs * 1000000000ULL, n = 0;
			volatile uint64_t x = 0;
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i, &set);
			sched_setaffinity(0, sizeof(set), &set);
			for (;;) {
				x++;
				if (!(++n & 0xfffff) && now_ns() >= end)
					break;
			}
			if (write(fds[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (i = 0; i < ncpu; i++) {
		uint64_t n;

		if (read(fds[0], &n, sizeof(n)) == sizeof(n))
			total += n;
	}
	close(fds[0]);
	while (wait(NULL) > 0)
		;
	return total;
}

/*
 * interference: what a refill costs SCHED_NORMAL work. A CPU-bound hog on
 * every CPU counts iterations for HOG_SECONDS, with the pool idle, then
 * while a prefill of refill_bytes() is outstanding from an empty pool;
 * three pairs. The ratio is the second count over the first; refilled_kb
 * is what the pool gained meanwhile (SCHED_IDLE: next to nothing, by
 * design, while the hogs leave no CPU idle).
 */
static void run_interference(void)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), r;

	if (pool_room()) {
		printf("error case=interference size_mib=0 msg=setup_failed\n");
		return;
	}
	for (r = 0; r < 3; r++) {
		uint64_t alone, busy, kb;

		alone = run_hogs(ncpu, HOG_SECONDS);
		if (sysfs_write_u64("prefill_bytes", refill_bytes()))
			break;
		busy = run_hogs(ncpu, HOG_SECONDS);
		kb = sysfs_u64("total_pools_kb");
		sysfs_write("prefill_bytes", "0");
		wait_pool_empty(WAIT_MS);
		printf("interference case=interference round=%d cpus=%d seconds=%d alone_iters=%llu refill_iters=%llu ratio_ppm=%llu refilled_kb=%llu\n",
		       r, ncpu, HOG_SECONDS, (unsigned long long)alone,
		       (unsigned long long)busy,
		       (unsigned long long)(alone ? busy * 1000000 / alone : 0),
		       (unsigned long long)kb);
	}
}

struct scaler {
	int heap_fd;
	uint64_t end;
	uint64_t buffers;
	int err;
};

static void *scale_fn(void *arg)
{
	struct scaler *sc = arg;

	while (now_ns() < sc->end) {
		struct dma_heap_allocation_data data = {
			.len = SCALE_MIB * MIB,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(sc->heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
			sc->err = errno;
			break;
		}
		close(data.fd);
		sc->buffers++;
	}
	return NULL;
}

/*
 * scale:<heap>: 1, 2 and 4 threads allocating and freeing SCALE_MIB buffers
 * for SCALE_SECONDS; buffers per second. For mmheap the pool keeps a low
 * watermark of 256 MiB: frees are kept, dirty, for the refill thread, and
 * allocations take from the pool while it lasts.
 */
static void run_scale(const char *name, const char *heap)
{
	static const int nthreads[] = { 1, 2, 4 };
	char path[256];
	unsigned int i;
	int heap_fd, t;

	snprintf(path, sizeof(path), HEAP_DIR "%s", heap);
	heap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0) {
		printf("error case=%s size_mib=0 msg=open_heap errno=%d\n",
		       name, errno);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(nthreads); i++) {
		struct scaler sc[4];
		pthread_t th[4];
		uint64_t total = 0, h0 = 0, m0 = 0;
		int err = 0;

		if (!strcmp(heap, "mmheap")) {
			h0 = sysfs_u64("hits");
			m0 = sysfs_u64("misses");
		}
		for (t = 0; t < nthreads[i]; t++) {
			sc[t] = (struct scaler){ heap_fd,
				now_ns() + SCALE_SECONDS * 1000000000ULL, 0, 0 };
			pthread_create(&th[t], NULL, scale_fn, &sc[t]);
		}
		for (t = 0; t < nthreads[i]; t++) {
			pthread_join(th[t], NULL);
			total += sc[t].buffers;
			err = err ?: sc[t].err;
		}
		printf("scale case=%s size_mib=%d threads=%d seconds=%d buffers=%llu per_s=%llu errno=%d",
		       name, SCALE_MIB, nthreads[i], SCALE_SECONDS,
		       (unsigned long long)total,
		       (unsigned long long)(total / SCALE_SECONDS), err);
		if (!strcmp(heap, "mmheap"))
			printf(" hits=%llu misses=%llu",
			       (unsigned long long)(sysfs_u64("hits") - h0),
			       (unsigned long long)(sysfs_u64("misses") - m0));
		printf("\n");
	}
	close(heap_fd);
}


static void print_clock(void)
{
	char cs[64] = "unknown";
	struct timespec res;
	ssize_t n;
	int fd;

	fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  O_RDONLY);
	if (fd >= 0) {
		n = read(fd, cs, sizeof(cs) - 1);
		cs[n > 0 ? n : 0] = '\0';
		cs[strcspn(cs, "\n ")] = '\0';
		close(fd);
	}
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("clock clocksource=%s res_ns=%llu\n", cs[0] ? cs : "unknown",
	       res.tv_sec * 1000000000ULL + res.tv_nsec);
	if (res.tv_sec || res.tv_nsec > 1000)
		printf("# coarse clock: times below %ld ns are noise; boot with tsc_early_khz=<kHz> tsc=reliable\n",
		       res.tv_sec * 1000000000L + res.tv_nsec);
}

static int parse_sizes(const char *arg, unsigned int *sizes)
{
	char *copy = strdup(arg), *tok, *save = NULL, *end;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok && n < MAX_SIZES;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long v = strtoul(tok, &end, 10);

		/* MiB, or KiB with a K suffix (a multiple of 4). */
		if (*end == 'K' && !end[1] && v && !(v % 4)) {
			sizes[n++] = v;
			continue;
		}
		if ((*end && strcmp(end, "M")) || !v || v > 1024 * 1024) {
			n = -1;
			break;
		}
		sizes[n++] = v * 1024;
	}
	free(copy);
	return n;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n iters] [-w warmup] [-s size,size,...] [-c]\n"
		"       [-e MiB] [case ...]\n"
		"  case: system | mmheap-prefilled | mmheap-empty |\n"
		"        mmheap-uncached-prefilled | mmheap-uncached-empty |\n"
		"        <heap name> | bw:<heap name> | touch:<heap name> |\n"
		"        scale:<heap name> | refill | interference\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const char * const default_cases[] = {
		"system", "mmheap-prefilled", "mmheap-empty",
		"mmheap-uncached-prefilled", "mmheap-uncached-empty",
		"bw:system", "bw:mmheap", "bw:mmheap-uncached",
		"touch:system", "touch:mmheap", "touch:mmheap-uncached",
		"scale:system", "scale:mmheap", "refill", "interference",
	};
	unsigned int sizes[MAX_SIZES] = { 4, 1024, 4096, 8192, 32768, 65536 };
	int nsizes = 6, iters = 20, warmup = 1, opt, c, ncases;
	bool memcg = false;
	const char * const *cases;
	char *end;
	long evict_mib = 0;

	while ((opt = getopt(argc, argv, "n:w:s:ce:h")) != -1) {
		switch (opt) {
		case 'c':
			memcg = true;
			break;
		case 'e':
			errno = 0;
			evict_mib = strtol(optarg, &end, 10);
			if (errno || *end || evict_mib < 1 ||
			    evict_mib > 1024) {
				fprintf(stderr, "-e %s: want MiB, 1 to 1024\n",
					optarg);
				usage(argv[0]);
			}
			break;
		case 'n':
			iters = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 's':
			nsizes = parse_sizes(optarg, sizes);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (iters < 1 || warmup < 0 || nsizes < 1)
		usage(argv[0]);
	if (optind < argc) {
		cases = (const char * const *)&argv[optind];
		ncases = argc - optind;
	} else {
		cases = default_cases;
		ncases = ARRAY_SIZE(default_cases);
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (evict_mib) {
		evict_len = (size_t)evict_mib * MIB;
		evict_buf = malloc(evict_len);
		if (!evict_buf) {
			printf("error case=evict size_mib=%ld msg=out_of_memory\n",
			       evict_mib);
			return 1;
		}
		/* Fault it in now, not in the first iteration. */
		evict_caches(0);
	}
	printf("# heapbench iters=%d warmup=%d cases=%d evict_mib=%ld\n",
	       iters, warmup, ncases, evict_mib);
	print_clock();
	if (memcg && join_memcg())
		printf("error case=memcg size_mib=0 msg=not_in_a_memory_cgroup\n");
	ktrace_start();
	for (c = 0; c < ncases; c++) {
		const char *name = cases[c];
		enum mode mode = PLAIN;
		const char *heap = name;

		pp = &cached_paths;
		if (!strncmp(name, "mmheap-uncached-", 16))
			pp = &uncached_paths;
		if (!strcmp(name, "mmheap-prefilled") ||
		    !strcmp(name, "mmheap-uncached-prefilled"))
			mode = PREFILLED;
		else if (!strcmp(name, "mmheap-empty") ||
			 !strcmp(name, "mmheap-uncached-empty"))
			mode = EMPTY;
		else if (!strncmp(name, "bw:", 3))
			mode = BANDWIDTH;
		else if (!strncmp(name, "touch:", 6))
			mode = TOUCH;
		if (mode == PREFILLED || mode == EMPTY)
			heap = pp == &uncached_paths ? "mmheap-uncached" : "mmheap";
		else if (mode == BANDWIDTH)
			heap = name + 3;
		else if (mode == TOUCH)
			heap = name + 6;
		if (mode == PREFILLED || mode == EMPTY) {
			if (access(pp->sysfs, F_OK)) {
				printf("error case=%s size_mib=0 msg=no_mmheap_sysfs\n",
				       name);
				continue;
			}
			save_tunables();
			if (prepare_mode(mode)) {
				printf("error case=%s size_mib=0 msg=setup_failed\n",
				       name);
				restore_tunables();
				continue;
			}
		}
		if (!strcmp(name, "refill") || !strcmp(name, "interference") ||
		    !strcmp(name, "scale:mmheap")) {
			if (access(pp->sysfs, F_OK)) {
				printf("error case=%s size_mib=0 msg=no_mmheap_sysfs\n",
				       name);
				continue;
			}
			printf("# case %s\n", name);
			save_tunables();
			if (!strcmp(name, "refill")) {
				run_refill();
			} else if (!strcmp(name, "interference")) {
				run_interference();
			} else if (!sysfs_write("pool_cap_bytes", "512M") &&
				   !sysfs_write("low_watermark_bytes", "256M") &&
				   !thread_set(true)) {
				/* Let the pool reach its watermark first. */
				uint64_t end = now_ns() + WAIT_MS * 1000000ULL;

				while (sysfs_u64("total_pools_kb") < 256 * 1024 &&
				       now_ns() < end)
					usleep(10000);
				run_scale(name, "mmheap");
			}
			restore_tunables();
			continue;
		}
		if (!strncmp(name, "scale:", 6)) {
			printf("# case %s\n", name);
			run_scale(name, name + 6);
			continue;
		}
		printf("# case %s on %s%s\n", name, HEAP_DIR, heap);
		run_case(name, mode, heap, sizes, nsizes, iters, warmup);
		if (mode == PREFILLED || mode == EMPTY)
			restore_tunables();
	}
	printf("# heapbench done\n");
	return 0;
}
