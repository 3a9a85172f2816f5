// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap-hogs: does an allocation ever wait for the SCHED_IDLE refill
 * thread? Allocation latency from mmheap while the refill thread is busy
 * zeroing and refilling, with a SCHED_NORMAL CPU hog on every CPU, which
 * leaves the idle thread next to no CPU time, mid-batch. If the thread
 * could hold a lock the allocation needs while preempted, the allocations
 * would wait until it ran again.
 *
 * Setup: a low watermark of 256 MiB, so the pool serves every allocation
 * and every free of a 1 MiB buffer is kept, dirty, for the thread to zero.
 * Each round allocates and frees N buffers, sleeping 2 ms between them as
 * a pipeline does, and times DMA_HEAP_IOCTL_ALLOC alone. Three rounds:
 * no hogs (the thread working); hogs with the thread stopped; hogs with
 * the thread working.
 *
 * Verdicts: p99 with hogs and the thread working within 2x of p99 with
 * hogs and the thread stopped, which isolates what the thread costs an
 * allocation (the hogs themselves delay a SCHED_NORMAL allocator too, and
 * on PREEMPT_RT preempt it inside the kernel); every timed allocation a
 * pool hit, else the pool ran dry and the figures compare the page
 * allocator, not the locks. The ratio to the no-hog round is printed.
 * Under TCG emulation (MMHEAP_ACCEL=tcg in the environment) the first
 * verdict is a skip that gives the figures: there the p99 of a round
 * varies more than 2x from one boot to the next.
 *
 * TAP output; the raw samples go to stdout as '# raw' lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/dma-heap.h>

#define SYSFS	"/sys/kernel/mm/mmheap/"
#define HEAP	"/dev/dma_heap/mmheap"
#define THREAD	"/sys/kernel/debug/mmheap/thread"
#define MIB	(1024ULL * 1024)
#define N	150
#define POOL_MIB 256
#define MAX_HOGS 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int write_file(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

static uint64_t sysfs_u64(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), SYSFS "%s", name);
	if (read_file(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* A PREEMPT_RT kernel says so in its version (init/Makefile, preempt-flag). */
static bool realtime(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Allocate and free N buffers; returns p99 of the allocations, 0 on error. */
static uint64_t round_p99(int heap_fd, const char *name, uint64_t *hits,
			  uint64_t *misses)
{
	uint64_t ns[N], h0 = sysfs_u64("hits"), m0 = sysfs_u64("misses");
	int i;

	for (i = 0; i < N; i++) {
		struct dma_heap_allocation_data data = {
			.len = MIB,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		uint64_t t0;

		t0 = now_ns();
		if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
			printf("# %s: alloc %d: %s\n", name, i, strerror(errno));
			return 0;
		}
		ns[i] = now_ns() - t0;
		close(data.fd);
		usleep(2000);
	}
	*hits = sysfs_u64("hits") - h0;
	*misses = sysfs_u64("misses") - m0;
	printf("# raw %s", name);
	for (i = 0; i < N; i++)
		printf(" %llu", (unsigned long long)ns[i]);
	printf("\n");
	qsort(ns, N, sizeof(ns[0]), cmp_u64);
	printf("# %s: p50 %llu ns, p99 %llu ns, max %llu ns, hits %llu, misses %llu\n",
	       name, (unsigned long long)ns[N / 2],
	       (unsigned long long)ns[(N * 99 + 99) / 100 - 1],
	       (unsigned long long)ns[N - 1], (unsigned long long)*hits,
	       (unsigned long long)*misses);
	return ns[(N * 99 + 99) / 100 - 1];
}

/* Dirty pages in the pool, from debugfs; -1 if it cannot be read. */
static long dirty_pages(void)
{
	unsigned long order, cc, cp, dc, dp;
	long dirty = 0;
	char line[256];
	FILE *f;

	f = fopen("/sys/kernel/debug/mmheap/pools", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lu %lu %lu %lu %lu", &order, &cc, &cp, &dc,
			   &dp) == 5)
			dirty += dp;
	fclose(f);
	return dirty;
}

/* The pool is full and all of it zeroed: every round starts the same. */
static bool wait_clean(uint64_t kb, int timeout_s)
{
	uint64_t deadline = now_ns() + timeout_s * 1000000000ULL;

	while (sysfs_u64("total_pools_kb") < kb || dirty_pages() != 0) {
		if (now_ns() > deadline)
			return false;
		usleep(20000);
	}
	return true;
}

static void hogs_start(pid_t *hogs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		hogs[i] = fork();
		if (!hogs[i]) {
			volatile unsigned long spin = 0;

			for (;;)
				spin++;
		}
	}
}

static void hogs_stop(pid_t *hogs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (hogs[i] > 0) {
			kill(hogs[i], SIGKILL);
			waitpid(hogs[i], NULL, 0);
		}
	}
}

static bool wait_pool(uint64_t kb, int timeout_s)
{
	uint64_t deadline = now_ns() + timeout_s * 1000000000ULL;

	while (sysfs_u64("total_pools_kb") < kb) {
		if (now_ns() > deadline)
			return false;
		usleep(20000);
	}
	return true;
}

int main(void)
{
	char low[64] = "", decay[64] = "";
	uint64_t p99_alone, p99_idle, p99_hogs, h1, m1, h2, m2, h3, m3;
	pid_t hogs[MAX_HOGS];
	int heap_fd, ncpu;
	bool ok, judged;

	printf("TAP version 13\n1..2\n");
	heap_fd = open(HEAP, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0 || access(THREAD, W_OK)) {
		printf("ok 1 # SKIP no %s or no %s\n", HEAP, THREAD);
		printf("ok 2 # SKIP no %s or no %s\n", HEAP, THREAD);
		return 0;
	}
	read_file(SYSFS "low_watermark_bytes", low, sizeof(low));
	read_file(SYSFS "decay_ms", decay, sizeof(decay));
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1 || ncpu > MAX_HOGS)
		ncpu = 1;

	write_file(THREAD, "1");
	write_file(SYSFS "prefill_bytes", "0");
	if (write_file(SYSFS "low_watermark_bytes", "256M") ||
	    !wait_pool(POOL_MIB * 1024, 120)) {
		printf("not ok 1 allocation p99 with hogs within 2x of alone # pool did not fill (%llu kB)\n",
		       (unsigned long long)sysfs_u64("total_pools_kb"));
		printf("ok 2 # SKIP pool did not fill\n");
		goto restore;
	}

	p99_alone = round_p99(heap_fd, "alone", &h1, &m1);

	/* The pool holds 256 MiB and a round takes at most 150. */
	wait_clean(POOL_MIB * 1024, 120);
	write_file(THREAD, "0");
	hogs_start(hogs, ncpu);
	p99_idle = round_p99(heap_fd, "hogs-thread-stopped", &h2, &m2);
	hogs_stop(hogs, ncpu);
	write_file(THREAD, "1");

	wait_clean(POOL_MIB * 1024, 120);
	hogs_start(hogs, ncpu);
	p99_hogs = round_p99(heap_fd, "hogs-thread-working", &h3, &m3);
	hogs_stop(hogs, ncpu);

	printf("# %s: p99 with %d hogs and the thread working against no hogs: %llu ns vs %llu ns, ratio %.2f\n",
	       realtime() ? "PREEMPT_RT" : "not PREEMPT_RT",
	       ncpu, (unsigned long long)p99_hogs,
	       (unsigned long long)p99_alone,
	       p99_alone ? (double)p99_hogs / p99_alone : 0.0);
	ok = p99_idle && p99_hogs && p99_hogs <= 2 * p99_idle;
	/* The harness says how the guest runs (MMHEAP_ACCEL on the boot line). */
	judged = !getenv("MMHEAP_ACCEL") || strcmp(getenv("MMHEAP_ACCEL"), "tcg");
	if (!judged)
		printf("ok 1 # SKIP under TCG emulation the p99 of %d allocations varies more than 2x between boots (0.71 to 2.44 seen without PREEMPT_RT, 0.96 to 10.4 with it, also with no lock shared with the thread), so only the figures are given: with %d hogs, p99 while the thread works %llu ns vs %llu ns while stopped, ratio %.2f\n",
		       N, ncpu, (unsigned long long)p99_hogs,
		       (unsigned long long)p99_idle,
		       p99_idle ? (double)p99_hogs / p99_idle : 0.0);
	else
		printf("%s 1 with %d hogs, allocation p99 while the refill thread works within 2x of p99 while it is stopped # %llu ns vs %llu ns, ratio %.2f\n",
		       ok ? "ok" : "not ok", ncpu, (unsigned long long)p99_hogs,
		       (unsigned long long)p99_idle,
		       p99_idle ? (double)p99_hogs / p99_idle : 0.0);
	ok = !m1 && !m2 && !m3 && h1 && h2 && h3;
	printf("%s 2 every timed allocation came from the pool # misses %llu, %llu, %llu\n",
	       ok ? "ok" : "not ok", (unsigned long long)m1,
	       (unsigned long long)m2, (unsigned long long)m3);
restore:
	write_file(SYSFS "low_watermark_bytes", low[0] ? low : "0");
	if (decay[0])
		write_file(SYSFS "decay_ms", decay);
	close(heap_fd);
	return 0;
}
