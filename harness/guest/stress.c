// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap-stress: the reliability runs of the test guests (issue 10).
 *
 *  stress      MMHEAP_STRESS_S seconds (60 by default): four threads
 *              allocate buffers of random sizes (4 KiB to 64 MiB) from
 *              every mmheap heap, map them, check every byte is zero,
 *              write a pattern, import one in four into vgem (attach and
 *              map), and free them; a fifth thread meanwhile toggles the
 *              refill thread, sends and cancels prefills, moves the cap
 *              and the low watermark and runs the shrinker.
 *              Expect: no nonzero byte, no error the ABI does not
 *              document, and after a drain MemFree back within
 *              free_slack_kb() of where it started.
 *  hostile     100000 DMA_HEAP_IOCTL_ALLOC calls with hostile lengths,
 *              fd flags and heap flags, and 20000 hostile sysfs writes,
 *              from four threads at once: each refused with its errno,
 *              the settings unchanged, the log lines rate-limited. (An
 *              empty write() never reaches a sysfs store: sysfs_kf_write()
 *              returns 0 for it, fs/sysfs/file.c:137.)
 *  lifecycle   MMHEAP_CYCLES (1000) stop/start cycles of the refill
 *              thread while two threads allocate and free: the thread
 *              gone (kthread_stop() done) within STOP_BOUND_MS of each
 *              stop, one thread left, nothing leaked.
 *  pressure    with the pool full, a process touches 90% of
 *              MemAvailable: it is not killed, the pool shrinks, while
 *              it holds the memory the pool takes nothing below the
 *              zone's high watermark, refilling resumes after; then a
 *              prefill of half of RAM while it holds the memory stops
 *              short and nothing is killed.
 *  many        an unprivileged process allocates 16 MiB buffers until
 *              one fails: it gets ENOMEM and nobody is OOM-killed; in a
 *              memory cgroup (accounting on) it fails within the
 *              cgroup's limit; with accounting off what happens is
 *              printed.
 *  freeze      a freezer round trip (pm_test=freezer) while a prefill
 *              is being filled: it completes after, buffers are zero.
 *  boot        a bad mmheap.prefill= on the boot line (the debug guest
 *              has one) is ignored with one warning.
 *
 * TAP output. Outcomes that must happen are polled for with long
 * deadlines; only "must not happen" windows are short.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <drm/drm.h>

#define SYSFS		"/sys/kernel/mm/mmheap/"
#define THREAD		"/sys/kernel/debug/mmheap/thread"
#define SHRINKERS	"/sys/kernel/debug/shrinker"
#define HEAP_DIR	"/dev/dma_heap/"
#define MIB		(1024ULL * 1024)
#define MAX_HEAPS	4
#define WORKERS		4
#define HOSTILE_CALLS	100000
#define HOSTILE_WRITES	20000
#define STOP_BOUND_MS	2000
#define FREE_SLACK_KB	(48 * 1024)
#define KLOG_READ_ALL	3
#define KLOG_SIZE	10
#define WAIT_S		120
/* Longer than the refill's longest back-off (8 s) plus the hold-off (2 s). */
#define STALL_S		12
/*
 * The refill's margin above the high watermark, in pages: 2 MiB, plus the
 * largest per-CPU batch for order 0 (63 << 5 with the defaults).
 */
#define MMHEAP_REFILL_MARGIN	(512 + 2016)

static int tests;
static char heaps[MAX_HEAPS][300];
static int nr_heaps;
static atomic_bool stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Write @val to @path; 0 or -errno. */
static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t len = strlen(val);

	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static int get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static uint64_t sysfs_u64(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), SYSFS "%s", name);
	if (get(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

static int sysfs_put(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), SYSFS "%s", name);
	return put(path, val);
}

static long meminfo_kb(const char *key)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			kb = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return kb;
}

static long vmstat(const char *key)
{
	char name[64];
	long val;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &val) == 2) {
		if (!strcmp(name, key)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return -1;
}

static int heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags,
		      uint64_t heap_flags, int *fd)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &d) < 0)
		return -errno;
	*fd = d.fd;
	return 0;
}

/* Occurrences of @what in the kernel log, -1 if it cannot be read. */
static int klog_count(const char *what)
{
	int size = klogctl(KLOG_SIZE, NULL, 0), n, count = -1;
	char *log = size > 0 ? malloc(size + 1) : NULL;
	char *p;

	n = log ? klogctl(KLOG_READ_ALL, log, size) : -1;
	if (n >= 0) {
		log[n] = 0;
		for (count = 0, p = log; (p = strstr(p, what)); p++)
			count++;
	}
	free(log);
	return count;
}

/*
 * How far MemFree may stay below where it started once everything is
 * freed: 48 MiB of slab and page cache noise, plus, under KASAN, its
 * quarantine of freed objects (up to 1/32 of RAM:
 * mm/kasan/quarantine.c:127).
 */
static long free_slack_kb(void)
{
	static long slack = -1;

	if (slack < 0) {
		slack = FREE_SLACK_KB;
		if (klog_count("KernelAddressSanitizer initialized") > 0)
			slack += meminfo_kb("MemTotal") / 32;
	}
	return slack;
}

/* Drop the pool to nothing: no request, no level, the shrinker run. */
static bool drain(void)
{
	uint64_t deadline = now_ns() + WAIT_S * 1000000000ULL;

	sysfs_put("prefill_bytes", "0");
	sysfs_put("low_watermark_bytes", "0");
	while (sysfs_u64("total_pools_kb")) {
		put("/proc/sys/vm/drop_caches", "3");
		if (now_ns() > deadline)
			return false;
		usleep(50000);
	}
	return true;
}

static uint32_t rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

/* A vgem device to import into, or -1. */
static int open_vgem(void)
{
	char path[64], name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

struct stress_stats {
	uint64_t buffers, bytes, imports, enomem, bad_errors, nonzero;
	char first_bad[160];
};

static void stress_bad(struct stress_stats *st, const char *fmt, long a,
		       long b)
{
	st->bad_errors++;
	if (!st->first_bad[0])
		snprintf(st->first_bad, sizeof(st->first_bad), fmt, a, b);
}

static void *stress_worker(void *arg)
{
	struct stress_stats *st = arg;
	uint32_t seed = (uint32_t)(uintptr_t)st ^ (uint32_t)now_ns();
	int heap_fds[MAX_HEAPS], vgem = open_vgem(), h;

	for (h = 0; h < nr_heaps; h++)
		heap_fds[h] = open(heaps[h], O_RDONLY | O_CLOEXEC);
	while (!atomic_load(&stop)) {
		unsigned int shift = 12 + rnd(&seed) % 15;
		uint64_t len = (1ULL << shift) + (rnd(&seed) % (1U << shift));
		struct dma_buf_sync sync;
		uint64_t *p, i, bad = 0;
		int fd = -1, ret;

		len &= ~4095ULL;
		if (len > 64 * MIB)
			len = 64 * MIB;
		h = rnd(&seed) % nr_heaps;
		ret = heap_alloc(heap_fds[h], len, O_RDWR | O_CLOEXEC, 0, &fd);
		if (ret == -ENOMEM || ret == -EINTR) {
			st->enomem++;
			continue;
		}
		if (ret) {
			stress_bad(st, "alloc of %ld bytes: errno %ld", len, -ret);
			continue;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			stress_bad(st, "mmap of %ld bytes: errno %ld", len, errno);
			close(fd);
			continue;
		}
		sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
		ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		for (i = 0; i < len / 8; i++)
			bad += p[i] != 0;
		if (bad) {
			st->nonzero += bad;
			fprintf(stdout, "# %s: %llu nonzero words in a new %llu-byte buffer\n",
				heaps[h], (unsigned long long)bad,
				(unsigned long long)len);
		}
		memset(p, 0xa5, len);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		if (vgem >= 0 && !(rnd(&seed) % 4)) {
			struct drm_prime_handle ph = { .fd = fd };

			if (ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph)) {
				if (errno != ENOMEM)
					stress_bad(st, "vgem import of %ld bytes: errno %ld",
						   len, errno);
			} else {
				struct drm_gem_close gc = { .handle = ph.handle };

				ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gc);
				st->imports++;
			}
		}
		munmap(p, len);
		close(fd);
		st->buffers++;
		st->bytes += len;
	}
	for (h = 0; h < nr_heaps; h++)
		close(heap_fds[h]);
	if (vgem >= 0)
		close(vgem);
	return NULL;
}

/* The shrinker's debugfs scan file(s) of mmheap: scan them all. */
static void run_shrinkers(void)
{
	DIR *d = opendir(SHRINKERS);
	struct dirent *e;
	char path[512];

	if (!d) {
		put("/proc/sys/vm/drop_caches", "3");
		return;
	}
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "mmheap", 6))
			continue;
		snprintf(path, sizeof(path), SHRINKERS "/%s/scan", e->d_name);
		put(path, "0 0 100000");
	}
	closedir(d);
}

struct control_stats {
	uint64_t ops, bad_errors;
	char first_bad[160];
};

static void *stress_control(void *arg)
{
	struct control_stats *st = arg;
	uint32_t seed = (uint32_t)now_ns();
	char val[32];
	int ret = 0;

	while (!atomic_load(&stop)) {
		switch (rnd(&seed) % 6) {
		case 0:
			ret = put(THREAD, "0");
			if (!ret)
				ret = put(THREAD, "1");
			break;
		case 1:
			snprintf(val, sizeof(val), "%uM", rnd(&seed) % 65);
			ret = sysfs_put("prefill_bytes", val);
			break;
		case 2:
			ret = sysfs_put("prefill_bytes", "0");
			break;
		case 3:
			snprintf(val, sizeof(val), "%uM", 64 + rnd(&seed) % 449);
			ret = sysfs_put("pool_cap_bytes", val);
			break;
		case 4:
			snprintf(val, sizeof(val), "%uM", rnd(&seed) % 33);
			ret = sysfs_put("low_watermark_bytes", val);
			break;
		case 5:
			run_shrinkers();
			ret = 0;
			break;
		}
		/* A request above the cap or a cap below the level: ERANGE. */
		if (ret && ret != -ERANGE && !(st->bad_errors++))
			snprintf(st->first_bad, sizeof(st->first_bad),
				 "control write: %s", strerror(-ret));
		st->ops++;
		usleep(rnd(&seed) % 50000);
	}
	return NULL;
}

static void test_stress(unsigned int seconds)
{
	struct stress_stats st[WORKERS] = {};
	struct control_stats cs = {};
	pthread_t w[WORKERS], c;
	uint64_t buffers = 0, bytes = 0, imports = 0, enomem = 0, bad = 0;
	uint64_t nonzero = 0;
	char cap[32] = "", first[160] = "";
	long free0, free1;
	bool drained;
	int i;

	get(SYSFS "pool_cap_bytes", cap, sizeof(cap));
	put(THREAD, "1");
	drain();
	sleep(1);
	free0 = meminfo_kb("MemFree");
	atomic_store(&stop, false);
	for (i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, stress_worker, &st[i]);
	pthread_create(&c, NULL, stress_control, &cs);
	sleep(seconds);
	atomic_store(&stop, true);
	for (i = 0; i < WORKERS; i++) {
		pthread_join(w[i], NULL);
		buffers += st[i].buffers;
		bytes += st[i].bytes;
		imports += st[i].imports;
		enomem += st[i].enomem;
		bad += st[i].bad_errors;
		nonzero += st[i].nonzero;
		if (!first[0] && st[i].first_bad[0])
			strcpy(first, st[i].first_bad);
	}
	pthread_join(c, NULL);

	put(THREAD, "1");
	if (cap[0])
		sysfs_put("pool_cap_bytes", cap);
	drained = drain();
	sleep(1);
	free1 = meminfo_kb("MemFree");

	printf("# stress: %u s, %d heaps, %llu buffers, %llu MiB, %llu vgem imports, %llu ENOMEM, %llu control writes\n",
	       seconds, nr_heaps, (unsigned long long)buffers,
	       (unsigned long long)(bytes / MIB),
	       (unsigned long long)imports, (unsigned long long)enomem,
	       (unsigned long long)cs.ops);
	result(buffers > 0 && nonzero == 0,
	       "stress: every byte of %llu new buffers was zero # %llu nonzero words",
	       (unsigned long long)buffers, (unsigned long long)nonzero);
	result(bad == 0 && cs.bad_errors == 0,
	       "stress: no error the ABI does not document # %llu + %llu%s%s",
	       (unsigned long long)bad, (unsigned long long)cs.bad_errors,
	       first[0] ? ", first: " : "", first[0] ? first : cs.first_bad);
	result(drained && free1 >= free0 - free_slack_kb(),
	       "stress: after a drain MemFree is back within %ld MiB # pool %s, MemFree %ld -> %ld kB",
	       free_slack_kb() / 1024, drained ? "empty" : "did not drain",
	       free0, free1);
}

struct hostile_arg {
	int heap_fd;
	unsigned int calls;
	uint64_t wrong;
	char first_wrong[160];
};

/* Each case and the errno the dma-heap core or mmheap documents for it. */
static void *hostile_ioctl(void *p)
{
	struct hostile_arg *a = p;
	uint64_t max = sysfs_u64("buffer_max_bytes");
	unsigned int i;

	for (i = 0; i < a->calls; i++) {
		uint64_t len = 4096, heap_flags = 0;
		uint32_t fd_flags = O_RDWR | O_CLOEXEC;
		int fd = -1, ret, want = EINVAL;

		switch (i % 6) {
		case 0:
			len = 0;
			break;
		case 1:
			len = ~0ULL;
			break;
		case 2:
			len = 1ULL << 63;
			break;
		case 3:
			len = max + 4096;
			break;
		case 4:
			fd_flags = 0xdead0000;
			break;
		case 5:
			heap_flags = 1ULL << (i % 64);
			break;
		}
		ret = heap_alloc(a->heap_fd, len, fd_flags, heap_flags, &fd);
		if (!ret)
			close(fd);
		if (ret != -want && !(a->wrong++))
			snprintf(a->first_wrong, sizeof(a->first_wrong),
				 "case %u: %s, expected %s", i % 6,
				 ret ? strerror(-ret) : "success",
				 strerror(want));
	}
	return NULL;
}

static const struct {
	const char *file, *val;
} bad_writes[] = {
	{ "prefill_bytes", " " }, { "prefill_bytes", "abc" },
	{ "prefill_bytes", "\n" },
	{ "prefill_bytes", "-1" }, { "prefill_bytes", "12abc" },
	{ "prefill_bytes", "99999999999999999999999" },
	{ "prefill_bytes", "17179869184G" }, { "prefill_bytes", "1T" },
	{ "low_watermark_bytes", "-4096" }, { "low_watermark_bytes", "x" },
	{ "low_watermark_bytes", "1E" },
	{ "pool_cap_bytes", "1M2" }, { "pool_cap_bytes", "0x" },
	{ "pool_cap_bytes", "99999999999999999999999" },
	{ "decay_ms", "-5" }, { "decay_ms", "86400001" },
	{ "decay_ms", "1 2" }, { "prefill_max_percent", "0" },
	{ "prefill_max_percent", "91" }, { "prefill_max_percent", "\n\n" },
	{ "buffer_max_bytes", "1" }, { "buffer_max_bytes", "lots" },
};

static const char *const settings[] = {
	"prefill_bytes", "prefill_state", "low_watermark_bytes",
	"pool_cap_bytes", "decay_ms", "prefill_max_percent",
	"buffer_max_bytes",
};

struct hostile_write_arg {
	unsigned int writes;
	uint64_t wrong;
	char first_wrong[160];
};

static void *hostile_sysfs(void *p)
{
	struct hostile_write_arg *a = p;
	unsigned int i, n = sizeof(bad_writes) / sizeof(bad_writes[0]);

	for (i = 0; i < a->writes; i++) {
		int ret = sysfs_put(bad_writes[i % n].file,
				    bad_writes[i % n].val);

		if (ret != -EINVAL && ret != -ERANGE && !(a->wrong++))
			snprintf(a->first_wrong, sizeof(a->first_wrong),
				 "%s <- \"%s\": %s", bad_writes[i % n].file,
				 bad_writes[i % n].val,
				 ret ? strerror(-ret) : "accepted");
	}
	return NULL;
}

/* Lines in the kernel log from now on that contain @what. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static long kmsg_count(int fd, const char *what)
{
	char rec[2048];
	long n = 0;
	ssize_t len;

	if (fd < 0)
		return -1;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (len <= 0)
			break;
		rec[len] = 0;
		n += strstr(rec, what) != NULL;
	}
	return n;
}

static void test_hostile(void)
{
	struct hostile_arg ia[WORKERS] = {};
	struct hostile_write_arg wa[WORKERS] = {};
	char before[8][64], after[8][64], path[128];
	pthread_t t[2 * WORKERS];
	uint64_t wrong_i = 0, wrong_w = 0;
	long lines, bound;
	uint64_t t0, secs;
	bool same = true;
	int heap_fd, kmsg, i;
	unsigned int s;

	heap_fd = open(heaps[0], O_RDONLY | O_CLOEXEC);
	for (s = 0; s < sizeof(settings) / sizeof(settings[0]); s++) {
		snprintf(path, sizeof(path), SYSFS "%s", settings[s]);
		get(path, before[s], sizeof(before[s]));
	}
	kmsg = kmsg_open();
	t0 = now_ns();
	for (i = 0; i < WORKERS; i++) {
		ia[i].heap_fd = heap_fd;
		ia[i].calls = HOSTILE_CALLS / WORKERS;
		wa[i].writes = HOSTILE_WRITES / WORKERS;
		pthread_create(&t[i], NULL, hostile_ioctl, &ia[i]);
		pthread_create(&t[WORKERS + i], NULL, hostile_sysfs, &wa[i]);
	}
	for (i = 0; i < 2 * WORKERS; i++)
		pthread_join(t[i], NULL);
	secs = (now_ns() - t0) / 1000000000ULL;
	close(heap_fd);
	for (s = 0; s < sizeof(settings) / sizeof(settings[0]); s++) {
		snprintf(path, sizeof(path), SYSFS "%s", settings[s]);
		get(path, after[s], sizeof(after[s]));
		if (strcmp(before[s], after[s])) {
			same = false;
			printf("# %s changed: %s -> %s\n", settings[s],
			       before[s], after[s]);
		}
	}
	for (i = 0; i < WORKERS; i++) {
		wrong_i += ia[i].wrong;
		wrong_w += wa[i].wrong;
	}
	result(!wrong_i, "hostile: %d DMA_HEAP_IOCTL_ALLOC calls from %d threads each refused with EINVAL # %llu wrong%s%s",
	       HOSTILE_CALLS, WORKERS, (unsigned long long)wrong_i,
	       wrong_i ? ", first: " : "", wrong_i ? ia[0].first_wrong : "");
	result(!wrong_w && same, "hostile: %d bad sysfs writes from %d threads each refused with EINVAL or ERANGE, settings unchanged # %llu wrong%s%s",
	       HOSTILE_WRITES, WORKERS, (unsigned long long)wrong_w,
	       wrong_w ? ", first: " : "", wrong_w ? wa[0].first_wrong : "");
	/* printk_ratelimited(): 10 lines per 5 s, plus a "suppressed" line. */
	lines = kmsg_count(kmsg, "mmheap");
	bound = 11 * (secs / 5 + 2);
	result(lines >= 0 && lines <= bound,
	       "hostile: at most %ld mmheap log lines in %llu s (rate-limited) # %ld",
	       bound, (unsigned long long)secs, lines);
	if (kmsg >= 0)
		close(kmsg);
}

static void *lifecycle_worker(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg;
	int heap_fd = open(heaps[0], O_RDONLY | O_CLOEXEC);

	while (!atomic_load(&stop)) {
		int fd = -1;

		if (!heap_alloc(heap_fd, (1 + rnd(&seed) % 2) * MIB,
				O_RDWR | O_CLOEXEC, 0, &fd))
			close(fd);
		usleep(2000);
	}
	close(heap_fd);
	return NULL;
}

/*
 * While a stop takes longer than a second, print where the stopping thread
 * and the refill thread are (/proc/.../stack), once per stop: a diagnosis
 * for the log when the bound is missed.
 */
static atomic_ullong stop_started;	/* now_ns() of the stop, 0 if none */
static atomic_int stopper_tid;
static atomic_int stopping_pid;		/* the refill thread being stopped */
static atomic_ullong exit_ns;		/* when it was gone, from the stop */

static void print_stack(const char *who, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	printf("# %s %s:\n", who, path);
	while (fgets(line, sizeof(line), f))
		printf("#   %s", line);
	fclose(f);
}

/*
 * The refill threads (tasks named mmheap..._refill, one per heap): how many
 * there are, -1 if /proc cannot be read; *@pid is the mmheap heap's, whose
 * switch is THREAD, or -1.
 */
static int refill_threads(int *pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], comm[64];
	int n = 0;

	if (pid)
		*pid = -1;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (!get(path, comm, sizeof(comm)) &&
		    !strncmp(comm, "mmheap", 6) && strstr(comm, "_refill")) {
			n++;
			if (pid && !strcmp(comm, "mmheap_refill"))
				*pid = atoi(e->d_name);
		}
	}
	closedir(d);
	return n;
}

static void *stop_watcher(void *arg)
{
	unsigned long long seen = 0;
	char path[128];

	(void)arg;
	while (!atomic_load(&stop)) {
		unsigned long long t = atomic_load(&stop_started);
		int pid = atomic_load(&stopping_pid);

		/* kthread_stop() returns once the thread is gone. */
		if (t && pid > 0 && !atomic_load(&exit_ns)) {
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			if (access(path, F_OK))
				atomic_store(&exit_ns, now_ns() - t);
		}
		if (t && t != seen && now_ns() - t > 1000000000ULL) {
			refill_threads(&pid);
			seen = t;
			snprintf(path, sizeof(path), "/proc/self/task/%d/stack",
				 atomic_load(&stopper_tid));
			print_stack("stopping thread", path);
			snprintf(path, sizeof(path), "/proc/%d/stack", pid);
			print_stack("refill thread", path);
			print_stack("pool", "/sys/kernel/debug/mmheap/pools");
		}
		usleep(1000);
	}
	return NULL;
}

static void test_lifecycle(unsigned int cycles)
{
	uint64_t max_ns = 0, total = 0, t0, dt, ex, max_exit = 0;
	uint64_t exit_total = 0;
	pthread_t w[2], watcher;
	unsigned int i, done = 0;
	int err = 0, tasks, pid;
	long free0, free1;
	bool drained;

	put(THREAD, "1");
	drain();
	sleep(1);
	free0 = meminfo_kb("MemFree");
	sysfs_put("low_watermark_bytes", "2M");
	/* For comparison: a few cycles with nothing else running. */
	for (i = 0; i < 20; i++) {
		t0 = now_ns();
		put(THREAD, "0");
		dt = now_ns() - t0;
		total += dt;
		if (dt > max_ns)
			max_ns = dt;
		put(THREAD, "1");
	}
	printf("# lifecycle, nothing else running: 20 cycles, max stop %.1f ms, mean %.2f ms\n",
	       max_ns / 1e6, total / 1e6 / 20);
	max_ns = total = 0;
	atomic_store(&stop, false);
	atomic_store(&stopper_tid, gettid());
	pthread_create(&watcher, NULL, stop_watcher, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, lifecycle_worker,
			       (void *)(uintptr_t)(i + 1));
	for (i = 0; i < cycles; i++) {
		refill_threads(&pid);
		atomic_store(&stopping_pid, pid);
		atomic_store(&exit_ns, 0);
		t0 = now_ns();
		atomic_store(&stop_started, t0);
		err = put(THREAD, "0");
		dt = now_ns() - t0;
		atomic_store(&stop_started, 0);
		if (err)
			break;
		/* Not seen by the 1 ms poll: it went before the write ended. */
		ex = atomic_load(&exit_ns);
		ex = ex && ex < dt ? ex : dt;
		exit_total += ex;
		if (ex > max_exit)
			max_exit = ex;
		total += dt;
		if (dt > max_ns)
			max_ns = dt;
		err = put(THREAD, "1");
		if (err)
			break;
		if (!(++done % 100))
			printf("# lifecycle: %u cycles, thread gone after %.1f ms at most (mean %.2f), stop write %.1f ms at most (mean %.2f)\n",
			       done, max_exit / 1e6, exit_total / 1e6 / done,
			       max_ns / 1e6, total / 1e6 / done);
	}
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	pthread_join(watcher, NULL);
	tasks = refill_threads(NULL);
	drained = drain();
	sleep(1);
	free1 = meminfo_kb("MemFree");
	result(done == cycles && max_exit <= STOP_BOUND_MS * 1000000ULL,
	       "lifecycle: %u stop/start cycles while allocating, the thread gone within %d ms of every stop # %u done%s%s, gone after %.1f ms at most (mean %.2f); the whole write, which also frees the pool's dirty pages, %.1f ms at most (mean %.2f)",
	       cycles, STOP_BOUND_MS, done, err ? ", error: " : "",
	       err ? strerror(-err) : "", max_exit / 1e6,
	       done ? exit_total / 1e6 / done : 0.0, max_ns / 1e6,
	       done ? total / 1e6 / done : 0.0);
	result(tasks == nr_heaps && drained && free1 >= free0 - free_slack_kb(),
	       "lifecycle: one refill thread per heap left, nothing leaked # %d threads for %d heaps, pool %s, MemFree %ld -> %ld kB",
	       tasks, nr_heaps, drained ? "empty" : "did not drain", free0,
	       free1);
}

/* Touch @kb of anonymous memory, say so on @wfd, then hold it. */
static pid_t hog(long kb, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		size_t len = (size_t)kb * 1024, i;
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		close(p[0]);
		if (m == MAP_FAILED)
			_exit(1);
		for (i = 0; i < len; i += 4096)
			m[i] = 1;
		if (write(p[1], "t", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Wait for the hog to say it touched its memory; false if it died. */
static bool hog_ready(int rfd)
{
	char c;

	return read(rfd, &c, 1) == 1;
}

static bool hog_alive_then_kill(pid_t pid)
{
	int status;
	bool alive = waitpid(pid, &status, WNOHANG) == 0;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return alive;
}

static bool wait_pool_above(uint64_t kb, int secs)
{
	uint64_t deadline = now_ns() + secs * 1000000000ULL;

	while (sysfs_u64("total_pools_kb") <= kb) {
		if (now_ns() > deadline)
			return false;
		usleep(50000);
	}
	return true;
}

/*
 * Wait for the prefill to be "done", or for a pool that has not grown for
 * STALL_S while not "pending"; leaves the last state read in @state.
 * "blocked" alone is not the end of it: right after a drop_caches the
 * shrinker's hold-off is in force, and the refill resumes when it and the
 * back-off pass.
 */
static void wait_prefill_filled(char *state, size_t len)
{
	uint64_t deadline = now_ns() + WAIT_S * 1000000000ULL;
	uint64_t last = 0, since = now_ns();

	while (now_ns() < deadline) {
		uint64_t kb = sysfs_u64("total_pools_kb");

		get(SYSFS "prefill_state", state, len);
		if (!strcmp(state, "done"))
			return;
		if (kb != last) {
			last = kb;
			since = now_ns();
		} else if (strcmp(state, "pending") &&
			   now_ns() - since > STALL_S * 1000000000ULL) {
			return;
		}
		usleep(100000);
	}
}

/* What /proc/zoneinfo says of the zone the refill allocates from. */
struct zone_stat {
	long free;	/* "pages free": the buddy lists */
	long pcp;	/* on the per-CPU lists, not in "pages free" */
	long low;	/* watermarks: kswapd wakes below low, stops at high */
	long high;
};

/*
 * The refill allocates from the first zone of its zonelist that
 * GFP_HIGHUSER may use: Normal when it has memory, else (a guest of up to
 * 4 GiB) the largest, DMA32.
 */
static bool zone_stat(struct zone_stat *zs)
{
	struct zone_stat cur = { -1, 0, -1, -1 };
	long m = -1, n, best = -1;
	bool normal = false, best_normal = false;
	char line[256];
	FILE *z = fopen("/proc/zoneinfo", "r");

	if (!z)
		return false;
	for (;;) {
		bool end = !fgets(line, sizeof(line), z);

		if (end || !strncmp(line, "Node ", 5)) {
			if (m > 0 && cur.free >= 0 && cur.low >= 0 &&
			    cur.high >= 0 && !best_normal &&
			    (normal || m > best)) {
				best = m;
				best_normal = normal;
				*zs = cur;
			}
			if (end)
				break;
			normal = strstr(line, "zone   Normal") != NULL;
			cur = (struct zone_stat){ -1, 0, -1, -1 };
			m = -1;
			continue;
		}
		if (cur.free < 0)
			sscanf(line, " pages free %ld", &cur.free);
		if (cur.low < 0)
			sscanf(line, " low %ld", &cur.low);
		if (cur.high < 0)
			sscanf(line, " high %ld", &cur.high);
		if (m < 0)
			sscanf(line, " managed %ld", &m);
		if (sscanf(line, " count: %ld", &n) == 1)
			cur.pcp += n;
	}
	fclose(z);
	return best > 0;
}

static void test_pressure(void)
{
	char cap[32] = "", pmax[32] = "", state[32] = "", val[32];
	uint64_t full, low, high, resumed_kb;
	long avail, kills0, total_kb, hog_kb;
	bool alive, resumed, ready, zone_ok, grown;
	int ret;
	struct zone_stat zs0 = { -1, 0, -1, -1 }, zs = zs0;
	long zmin;
	uint64_t deadline, t0, settled, shrank, peak;
	int rfd;
	pid_t pid;

	get(SYSFS "pool_cap_bytes", cap, sizeof(cap));
	get(SYSFS "prefill_max_percent", pmax, sizeof(pmax));
	total_kb = meminfo_kb("MemTotal");
	kills0 = vmstat("oom_kill");
	put(THREAD, "1");
	sysfs_put("decay_ms", "600000");
	/* The pool at its cap: a prefill of all of it. */
	ret = sysfs_put("prefill_bytes", cap);
	if (!ret)
		wait_prefill_filled(state, sizeof(state));
	full = sysfs_u64("total_pools_kb");
	avail = meminfo_kb("MemAvailable");
	hog_kb = avail / 10 * 9;
	printf("# pressure: prefill of %s bytes: %s, pool %llu kB (%s), MemAvailable %ld kB, hog %ld kB\n",
	       cap, ret ? strerror(-ret) : "accepted",
	       (unsigned long long)full, state, avail, hog_kb);

	pid = hog(hog_kb, &rfd);
	ready = pid > 0 && hog_ready(rfd);
	low = sysfs_u64("total_pools_kb");
	/*
	 * The refill may take what is free above the zone's high watermark
	 * (plus 2 MiB, plus a per-CPU batch for order 0), no more. Wait for
	 * the pool to begin to grow (past the shrinker's hold-off and a
	 * back-off of up to 8 s; until then reclaim may still be taking it)
	 * and then to stop. From the first growth on, the zone's free pages
	 * must never fall below its low watermark, where kswapd is woken,
	 * and the pool must never shrink, as it would if the refill fought
	 * reclaim; at the end the zone must be at or above its high
	 * watermark.
	 */
	t0 = now_ns();
	zone_ok = zone_stat(&zs0);
	high = low;
	peak = low;
	settled = t0;
	shrank = 0;
	grown = false;
	zmin = LONG_MAX;
	while (ready && now_ns() - t0 < WAIT_S * 1000000000ULL &&
	       (!grown || now_ns() - settled < STALL_S * 1000000000ULL)) {
		uint64_t kb;

		usleep(100000);
		kb = sysfs_u64("total_pools_kb");
		if (!grown) {
			/* Reclaim may still be taking it: the low point. */
			if (kb <= low)
				low = kb;
			else
				grown = true;
		}
		if (grown) {
			if (kb > peak)
				peak = kb;
			if (peak - kb > shrank)
				shrank = peak - kb;
			if (zone_stat(&zs) && zs.free < zmin)
				zmin = zs.free;
		}
		if (kb != high) {
			high = kb;
			settled = now_ns();
		}
	}
	zone_ok = zone_ok && zone_stat(&zs);
	alive = pid > 0 && hog_alive_then_kill(pid);
	close(rfd);
	result(ready && alive && low < full,
	       "pressure: a process touching 90%% of MemAvailable is not killed and the pool shrinks # pool %llu -> %llu kB",
	       (unsigned long long)full, (unsigned long long)low);
	if (ready && zone_ok && !grown &&
	    zs0.free < zs0.high + MMHEAP_REFILL_MARGIN)
		result(true, "pressure: refill under pressure # SKIP the process left %ld free pages, fewer than the high watermark %ld plus the refill's margin",
		       zs0.free, zs0.high);
	else
		result(ready && zone_ok && grown && !shrank &&
		       zmin >= zs.low && zs.free >= zs.high,
		       "pressure: while it holds the memory the pool refills only above the zone's high watermark # pool %llu -> %llu kB, settled after %llu s, largest drop from its peak %llu kB, zone free at least %ld pages while it grew (low %ld), %ld at the end (%ld more on per-CPU lists, high %ld)",
		       (unsigned long long)low, (unsigned long long)high,
		       (unsigned long long)((settled - t0) / 1000000000ULL),
		       (unsigned long long)shrank,
		       zmin == LONG_MAX ? -1 : zmin, zs.low, zs.free, zs.pcp,
		       zs.high);
	resumed = wait_pool_above(high + 16 * 1024, 60);
	resumed_kb = sysfs_u64("total_pools_kb");
	result(resumed, "pressure: refilling resumes once it is gone # pool %llu kB",
	       (unsigned long long)resumed_kb);

	/* The other way round: a big prefill while a process holds 90%. */
	sysfs_put("prefill_bytes", "0");
	drain();
	avail = meminfo_kb("MemAvailable");
	pid = hog(avail / 10 * 9, &rfd);
	ready = pid > 0 && hog_ready(rfd);
	sysfs_put("prefill_max_percent", "60");
	snprintf(val, sizeof(val), "%ldK", total_kb / 2);
	sysfs_put("pool_cap_bytes", val);
	sysfs_put("prefill_bytes", val);
	deadline = now_ns() + 30 * 1000000000ULL;
	while (get(SYSFS "prefill_state", state, sizeof(state)),
	       strcmp(state, "blocked") && strcmp(state, "done") &&
	       strcmp(state, "none") && now_ns() < deadline)
		usleep(100000);
	low = sysfs_u64("total_pools_kb");
	alive = pid > 0 && hog_alive_then_kill(pid);
	close(rfd);
	result(ready && alive && strcmp(state, "done") &&
	       low < (uint64_t)total_kb / 2 && vmstat("oom_kill") == kills0,
	       "pressure: a prefill of half of RAM while a process holds 90%% stops short and kills nothing # state %s, pool %llu kB, oom_kill %ld",
	       state, (unsigned long long)low, vmstat("oom_kill") - kills0);
	sysfs_put("prefill_bytes", "0");
	if (cap[0])
		sysfs_put("pool_cap_bytes", cap);
	if (pmax[0])
		sysfs_put("prefill_max_percent", pmax);
	sysfs_put("decay_ms", "15000");
	drain();
}

#define ACCT	"/sys/module/mmheap/parameters/mem_accounting"

/*
 * An unprivileged process, in @cg if not NULL, allocates 16 MiB buffers
 * (keeping them) until one fails or it holds @max_pieces. Returns how many
 * it got; *err is the failure, *status how it ended.
 */
static int many_child(const char *cg, int max_pieces, int *err, int *status)
{
	char path[256];
	int p[2], n = -1;
	pid_t pid;

	*err = 0;
	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		int *fds = calloc(max_pieces, sizeof(int));
		int heap_fd, i = 0, j, ret = 0;

		close(p[0]);
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg ? cg : "");
		if (!fds || (cg && put(path, "0")) || setgid(65534) ||
		    setuid(65534))
			_exit(2);
		heap_fd = open(heaps[0], O_RDONLY | O_CLOEXEC);
		if (heap_fd < 0)
			_exit(3);
		while (i < max_pieces) {
			ret = heap_alloc(heap_fd, 16 * MIB, O_RDWR, 0, &fds[i]);
			if (ret)
				break;
			i++;
		}
		/*
		 * Give it all back before anything else allocates: even the
		 * pipe write below needs a page, and with the buffers held a
		 * page fault or a pipe buffer of anybody's would meet an empty
		 * system and the OOM killer, as after the system heap.
		 */
		for (j = 0; j < i; j++)
			close(fds[j]);
		if (write(p[1], &i, sizeof(i)) != sizeof(i) ||
		    write(p[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(4);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &n, sizeof(n)) != sizeof(n) ||
	    read(p[0], err, sizeof(*err)) != sizeof(*err))
		n = -1;
	close(p[0]);
	waitpid(pid, status, 0);
	return n;
}

static void test_many(void)
{
	const char *cg = "/sys/fs/cgroup/mmheap-stress";
	long kills0, total_mib = meminfo_kb("MemTotal") / 1024;
	char path[256], acct[8] = "";
	int status = 0, n, err;
	bool have_cg;

	chmod(heaps[0], 0666);
	drain();

	/* Unlimited: it must end with an error, not an OOM kill. */
	kills0 = vmstat("oom_kill");
	n = many_child(NULL, total_mib / 16 + 8, &err, &status);
	result(n >= 0 && err == -ENOMEM && WIFEXITED(status) &&
	       !WEXITSTATUS(status) && vmstat("oom_kill") == kills0,
	       "many: an unprivileged process allocating until it fails gets ENOMEM and nobody is OOM-killed # %d x 16 MiB of %ld MiB RAM, then %s; exit %d, oom_kill %ld",
	       n, total_mib, err ? strerror(-err) : "no failure",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	       vmstat("oom_kill") - kills0);

	mkdir("/sys/fs/cgroup", 0755);
	mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	put("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	mkdir(cg, 0755);
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	have_cg = !put(path, "256M");
	if (!have_cg || get(ACCT, acct, sizeof(acct))) {
		result(true, "many # SKIP no memory cgroup or no %s", ACCT);
		goto out;
	}

	/* Accounting on: only the cgroup pays. */
	put(ACCT, "Y");
	kills0 = vmstat("oom_kill");
	n = many_child(cg, 64, &err, &status);
	result(n >= 0 && err == -ENOMEM && n * 16 <= 256 &&
	       WIFEXITED(status) && !WEXITSTATUS(status) &&
	       vmstat("oom_kill") == kills0,
	       "many: in a cgroup with memory.max 256M it gets ENOMEM within the limit # %d x 16 MiB, then %s; exit %d, oom_kill %ld",
	       n, err ? strerror(-err) : "no failure",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	       vmstat("oom_kill") - kills0);

	/* Accounting off: recorded, not judged (the limit does not apply). */
	put(ACCT, "N");
	kills0 = vmstat("oom_kill");
	n = many_child(cg, total_mib / 16 + 8, &err, &status);
	printf("# many, accounting off, memory.max 256M: %d x 16 MiB, then %s; exit %d, oom_kill %ld\n",
	       n, err ? strerror(-err) : "no failure",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	       vmstat("oom_kill") - kills0);
out:
	if (acct[0])
		put(ACCT, acct);
	rmdir(cg);
	chmod(heaps[0], 0600);
	drain();
}

/*
 * The guest that boots with a bad mmheap.prefill= (the debug guest): the
 * value is ignored with one warning and no request is made.
 */
static void test_boot_param(void)
{
	char cmdline[4096], *p, val[64] = "", state[32] = "";
	int lines;

	if (get("/proc/cmdline", cmdline, sizeof(cmdline)) ||
	    !(p = strstr(cmdline, "mmheap.prefill="))) {
		result(true, "boot parameter # SKIP no mmheap.prefill= on the boot line");
		return;
	}
	sscanf(p + strlen("mmheap.prefill="), "%63s", val);
	get(SYSFS "prefill_state", state, sizeof(state));
	lines = klog_count("ignoring mmheap.prefill=");
	result(!strcmp(state, "none") && lines == 1,
	       "boot parameter: mmheap.prefill=%s is ignored with one warning # prefill_state %s, %d warnings",
	       val, state, lines);
}

/*
 * A freezer round trip (pm_test=freezer: tasks are frozen, held 5 s and
 * thawed) while the refill thread fills a prefill: it freezes, resumes and
 * finishes, and buffers before and after are zero.
 */
static void test_freeze(void)
{
	char states[128] = "", state[32] = "";
	uint64_t deadline, t0;
	bool zero = true;
	int heap_fd, i, ret, fd = -1, tasks;

	if (get("/sys/power/state", states, sizeof(states)) ||
	    !strstr(states, "freeze") || put("/sys/power/pm_test", "freezer")) {
		result(true, "freeze # SKIP no /sys/power/pm_test or no freeze state");
		return;
	}
	heap_fd = open(heaps[0], O_RDONLY | O_CLOEXEC);
	put(THREAD, "1");
	drain();
	sysfs_put("decay_ms", "600000");
	sysfs_put("prefill_bytes", "128M");
	/* Freeze once the thread has begun, so that it freezes mid-prefill. */
	deadline = now_ns() + WAIT_S * 1000000000ULL;
	while (!sysfs_u64("total_pools_kb") && now_ns() < deadline)
		usleep(1000);
	printf("# freeze: total_pools_kb %llu when the freeze starts\n",
	       (unsigned long long)sysfs_u64("total_pools_kb"));
	t0 = now_ns();
	ret = put("/sys/power/state", "freeze");
	put("/sys/power/pm_test", "none");
	printf("# freeze: round trip %s in %.1f s, total_pools_kb %llu after it\n",
	       ret ? strerror(-ret) : "done", (now_ns() - t0) / 1e9,
	       (unsigned long long)sysfs_u64("total_pools_kb"));
	deadline = now_ns() + WAIT_S * 1000000000ULL;
	while (get(SYSFS "prefill_state", state, sizeof(state)),
	       strcmp(state, "done") && now_ns() < deadline)
		usleep(50000);
	for (i = 0; i < 4 && heap_fd >= 0; i++) {
		uint64_t *p, w;

		if (heap_alloc(heap_fd, 16 * MIB, O_RDWR | O_CLOEXEC, 0, &fd)) {
			zero = false;
			break;
		}
		p = mmap(NULL, 16 * MIB, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			zero = false;
		} else {
			for (w = 0; w < 16 * MIB / 8; w++)
				zero &= !p[w];
			munmap(p, 16 * MIB);
		}
		close(fd);
	}
	tasks = refill_threads(NULL);
	result(!ret && !strcmp(state, "done") && zero && tasks == nr_heaps,
	       "freeze: a freezer round trip mid-prefill; the prefill completes and 4 x 16 MiB after it are zero # %s, state %s, %s, %d refill threads",
	       ret ? strerror(-ret) : "round trip done", state,
	       zero ? "zero" : "not zero or not allocated", tasks);
	sysfs_put("prefill_bytes", "0");
	sysfs_put("decay_ms", "15000");
	if (heap_fd >= 0)
		close(heap_fd);
	drain();
}

static int cmp_heap(const void *a, const void *b)
{
	return strcmp(a, b);
}

int main(void)
{
	const char *s = getenv("MMHEAP_STRESS_S"), *c = getenv("MMHEAP_CYCLES");
	unsigned int seconds = s ? atoi(s) : 60, cycles = c ? atoi(c) : 1000;
	const char *only = getenv("MMHEAP_STRESS_ONLY");
	DIR *d = opendir(HEAP_DIR);
	struct dirent *e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..16\n");
	while (d && (e = readdir(d)) && nr_heaps < MAX_HEAPS)
		if (!strncmp(e->d_name, "mmheap", 6))
			snprintf(heaps[nr_heaps++], sizeof(heaps[0]),
				 HEAP_DIR "%s", e->d_name);
	if (d)
		closedir(d);
	/* heaps[0] is /dev/dma_heap/mmheap, whose pool SYSFS and THREAD drive. */
	qsort(heaps, nr_heaps, sizeof(heaps[0]), cmp_heap);
	if (!nr_heaps || access(THREAD, W_OK)) {
		for (tests = 0; tests < 16;)
			printf("ok %d # SKIP no mmheap heap or no %s\n",
			       ++tests, THREAD);
		return 0;
	}
	/* MMHEAP_STRESS_ONLY=lifecycle (say) runs one part, for diagnosis. */
	if (!only || !strcmp(only, "boot"))
		test_boot_param();
	/*
	 * The lifecycle first, while memory is fresh. In the debug guest
	 * (TCG, DEBUG_PAGEALLOC, init_on_free=1) a stop write spent seconds
	 * in __free_pages() giving back the pool's dirty pages (up to the
	 * low watermark), as every freed page is cleared there.
	 */
	if (!only || !strcmp(only, "lifecycle"))
		test_lifecycle(cycles);
	if (!only || !strcmp(only, "stress"))
		test_stress(seconds);
	if (!only || !strcmp(only, "hostile"))
		test_hostile();
	if (!only || !strcmp(only, "pressure"))
		test_pressure();
	if (!only || !strcmp(only, "freeze"))
		test_freeze();
	if (!only || !strcmp(only, "many"))
		test_many();
	return 0;
}
