// SPDX-License-Identifier: GPL-2.0
/*
 * heapbench: DMA-BUF heap allocation latency, system heap against mmheap
 * prefilled and mmheap empty, in one boot. A benchmark, not a test: it
 * prints numbers and judges nothing.
 *
 *   heapbench [-n iters] [-w warmup] [-s MiB,MiB,...] [case ...]
 *
 * A case is "system", "mmheap-prefilled", "mmheap-empty", or the name of
 * any other heap in /dev/dma_heap (timed as is). Default: -n 20 -w 1
 * -s 1,4,64 system mmheap-prefilled mmheap-empty.
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
 * mmheap-empty: the pool is drained (prefill 0, low watermark 0, cap 0:
 * the kernel's decay worker trims it to nothing) and the thread stopped
 * through debugfs; with a target of 0 a free goes straight back to the
 * page allocator, so every allocation misses. This is the cost of mmheap when the HAL did not prefill.
 *
 * The mmheap tunables are saved before an mmheap case and restored after.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/dma-heap.h>

#define SYSFS		"/sys/kernel/mm/mmheap/"
#define THREAD		"/sys/kernel/debug/mmheap/thread"
#define HEAP_DIR	"/dev/dma_heap/"
#define MIB		(1024ULL * 1024)
#define WAIT_MS		120000
#define MAX_SIZES	16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum mode { PLAIN, PREFILLED, EMPTY };

static const char * const tunables[] = {
	"prefill_max_percent", "pool_cap_bytes",
	"low_watermark_bytes", "decay_ms", "buffer_max_bytes", "prefill_bytes",
};

static char saved[ARRAY_SIZE(tunables)][64];

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

	snprintf(path, sizeof(path), SYSFS "%s", name);
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

	snprintf(path, sizeof(path), SYSFS "%s", name);
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

/* The refill thread's switch is in debugfs (mounted by the guest's init). */
static int thread_set(bool on)
{
	int fd, ret = 0;

	fd = open(THREAD, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1" : "0", 1) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		printf("# writing %d to %s: %s\n", on, THREAD, strerror(-ret));
	return ret;
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

/* Read prefill_state once (arms sysfs_notify), then poll() and re-read. */
static int wait_prefill_done(int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ULL;
	char buf[16];
	int fd, ret = -ETIMEDOUT;

	fd = open(SYSFS "prefill_state", O_RDONLY);
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
		if (!strncmp(buf, "done", 4)) {
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
	alloc_ns = calloc(iters, sizeof(*alloc_ns));
	free_ns = calloc(iters, sizeof(*free_ns));
	if (!alloc_ns || !free_ns) {
		printf("error case=%s size_mib=0 msg=out_of_memory\n", name);
		goto out;
	}

	for (s = 0; s < nsizes; s++) {
		uint64_t len = sizes[s] * MIB;
		uint64_t hits0 = 0, misses0 = 0;
		bool failed = false;

		if (mode != PLAIN) {
			hits0 = sysfs_u64("hits");
			misses0 = sysfs_u64("misses");
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
					printf("error case=%s size_mib=%u msg=prefill_not_done\n",
					       name, sizes[s]);
					failed = true;
					break;
				}
				wait = now_ns() - t0;
			}
			t0 = now_ns();
			if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
				printf("error case=%s size_mib=%u msg=alloc errno=%d\n",
				       name, sizes[s], errno);
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
			printf("raw case=%s size_mib=%u iter=%d alloc_ns=%llu free_ns=%llu",
			       name, sizes[s], i,
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
			printf("stats case=%s size_mib=%u hits=%llu misses=%llu\n",
			       name, sizes[s],
			       (unsigned long long)(sysfs_u64("hits") - hits0),
			       (unsigned long long)(sysfs_u64("misses") - misses0));
		qsort(alloc_ns, iters, sizeof(*alloc_ns), cmp_u64);
		qsort(free_ns, iters, sizeof(*free_ns), cmp_u64);
		printf("result case=%s size_mib=%u n=%d alloc_p50_ns=%llu alloc_p90_ns=%llu alloc_min_ns=%llu alloc_max_ns=%llu free_p50_ns=%llu free_p90_ns=%llu\n",
		       name, sizes[s], iters,
		       (unsigned long long)pct(alloc_ns, iters, 50),
		       (unsigned long long)pct(alloc_ns, iters, 90),
		       (unsigned long long)alloc_ns[0],
		       (unsigned long long)alloc_ns[iters - 1],
		       (unsigned long long)pct(free_ns, iters, 50),
		       (unsigned long long)pct(free_ns, iters, 90));
		fflush(stdout);
	}
out:
	free(alloc_ns);
	free(free_ns);
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

		if (*end || !v) {
			n = -1;
			break;
		}
		sizes[n++] = v;
	}
	free(copy);
	return n;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n iters] [-w warmup] [-s MiB,MiB,...] [case ...]\n"
		"  case: system | mmheap-prefilled | mmheap-empty | <heap name>\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const char * const default_cases[] = {
		"system", "mmheap-prefilled", "mmheap-empty",
	};
	unsigned int sizes[MAX_SIZES] = { 1, 4, 64 };
	int nsizes = 3, iters = 20, warmup = 1, opt, c, ncases;
	const char * const *cases;

	while ((opt = getopt(argc, argv, "n:w:s:h")) != -1) {
		switch (opt) {
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
	printf("# heapbench iters=%d warmup=%d cases=%d\n", iters, warmup,
	       ncases);
	print_clock();
	for (c = 0; c < ncases; c++) {
		const char *name = cases[c];
		enum mode mode = PLAIN;
		const char *heap = name;

		if (!strcmp(name, "mmheap-prefilled")) {
			mode = PREFILLED;
			heap = "mmheap";
		} else if (!strcmp(name, "mmheap-empty")) {
			mode = EMPTY;
			heap = "mmheap";
		}
		if (mode != PLAIN) {
			if (access(SYSFS, F_OK)) {
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
		printf("# case %s on %s%s\n", name, HEAP_DIR, heap);
		run_case(name, mode, heap, sizes, nsizes, iters, warmup);
		if (mode != PLAIN)
			restore_tunables();
	}
	printf("# heapbench done\n");
	return 0;
}
