// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap selftest: drives /sys/kernel/mm/mmheap/ and /dev/dma_heap/mmheap,
 * then /sys/kernel/mm/mmheap/uncached/ and /dev/dma_heap/mmheap-uncached,
 * the way a camera HAL does (prefill, wait on prefill_state with poll(),
 * allocate), and checks what the HAL relies on: every byte it gets is
 * zero, the statistics tell the truth, bad writes change nothing, and the
 * pool policy holds:
 *
 *  - a prefill is consumed: prefill_bytes reads what is still outstanding,
 *    the state goes none -> pending -> done -> none, every change signalled
 *    by POLLPRI, and the pool is not refilled behind the allocations;
 *  - freed pages above the pool's target go straight back to the page
 *    allocator, with the refill thread stopped or running;
 *  - a request that is not consumed expires decay_ms after the request or
 *    the last allocation (POLLPRI, "expired") and a kernel worker drains
 *    the pool to the low watermark, even with the refill thread stopped;
 *  - the refill thread is SCHED_IDLE the moment it exists;
 *  - reading a file changes nothing;
 *  - with mem_accounting on, a memory cgroup cannot allocate past its
 *    memory.max through the heap, and nobody is OOM-killed for trying.
 *
 * Stopping and starting the refill thread and the per-order counts are in
 * debugfs (/sys/kernel/debug/mmheap/), which is mounted if it is not; the
 * checks that need them are skipped, with the reason, without debugfs.
 * Most of those stop the thread first: with it stopped nothing but the test
 * and the kernel's decay worker move the pool, so counts compare exactly.
 * The memory cgroup check mounts cgroup2 if it is not mounted and is
 * skipped without CONFIG_MEMCG.
 *
 * Nothing waits by sleeping: what must happen is waited for by poll() on
 * prefill_state or by polling a value against a deadline; only windows in
 * which something must not happen are fixed. The tunables are saved at the
 * start and restored at the end.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "../kselftest.h"

#define SYSFS_TOP	"/sys/kernel/mm/mmheap/"
#define DEBUGFS_MNT	"/sys/kernel/debug"
#define DEBUGFS_TOP	DEBUGFS_MNT "/mmheap/"
/* A name starting with "debugfs:" is a file in the heap's debugfs directory. */
#define THREAD_FILE	"debugfs:thread"
#define POOLS_FILE	"debugfs:pools"
#define MEM_ACCT_FILE	"/sys/module/mmheap/parameters/mem_accounting"
#define CGROUP_MNT	"/sys/fs/cgroup"
#define DEBUGFS_MAGIC_NR 0x64626720

/*
 * Every case runs on each heap in turn, with its own pool, sysfs and
 * debugfs directories and refill kthread ("%s_refill" of the pool name).
 */
struct heap_under_test {
	const char *name;
	const char *sysfs_dir;
	const char *debugfs_dir;
	const char *dev;
	const char *comm;
};

static const struct heap_under_test heaps[] = {
	{ "mmheap", SYSFS_TOP, DEBUGFS_TOP, "/dev/dma_heap/mmheap",
	  "mmheap_refill" },
	{ "mmheap-uncached", SYSFS_TOP "uncached/", DEBUGFS_TOP "uncached/",
	  "/dev/dma_heap/mmheap-uncached", "mmheap-uncached_refill" },
};

static const struct heap_under_test *cur = &heaps[0];

#define SYSFS_DIR	(cur->sysfs_dir)
#define DEBUGFS_DIR	(cur->debugfs_dir)
#define HEAP_PATH	(cur->dev)
#define THREAD_COMM	(cur->comm)

/* Every result says which heap it is about. */
#define ksft_test_result_pass(fmt, ...) \
	ksft_test_result_pass("%s: " fmt, cur->name, ##__VA_ARGS__)
#define ksft_test_result_fail(fmt, ...) \
	ksft_test_result_fail("%s: " fmt, cur->name, ##__VA_ARGS__)
#define ksft_test_result_skip(fmt, ...) \
	ksft_test_result_skip("%s: " fmt, cur->name, ##__VA_ARGS__)

#define SZ_1M		(1024ULL * 1024)
#define PREFILL_SIZE	(16 * SZ_1M)
#define ALLOC_SIZE	(8 * SZ_1M)
#define LOW_WMARK	(4 * SZ_1M)
/* The largest chunk the pool keeps (order 8 with 4 KiB pages), in kB. */
#define CHUNK_KB	1024
#define FREE_BUFS	64
#define FREE_BUF_SIZE	(4 * SZ_1M)
#define DECAY_MS	300
#define LONG_DECAY_MS	600000
#define MEMCG_MAX	(64 * SZ_1M)
#define MEMCG_WANT	(128 * SZ_1M)
#define MEMCG_PIECE	(16 * SZ_1M)
#define MEMCG_PIECES	(MEMCG_WANT / MEMCG_PIECE)
/* Bounds on what must happen. Generous: the guests emulate the CPU (TCG). */
#define WAIT_MS		120000
#define SETTLE_MS	30000
/* A window in which something must not happen. */
#define QUIET_MS	300
/* MemFree may drift a little for reasons that have nothing to do with us. */
#define MEMFREE_SLACK_KB (16 * 1024)
/* Starts of the refill thread checked for its policy. */
#define POLICY_ROUNDS	6

static long page_size;
static bool have_debugfs;
static bool debugfs_up;
static bool mounted_debugfs;
static char no_debugfs[200] = "no debugfs";

/* Tunables saved at start, restored at exit (order matters: see restore). */
static const char * const saved_names[] = {
	THREAD_FILE, "prefill_max_percent", "pool_cap_bytes",
	"low_watermark_bytes", "decay_ms", "buffer_max_bytes",
	MEM_ACCT_FILE, "prefill_bytes",
};

static char saved_vals[ARRAY_SIZE(saved_names)][64];

/* The files that set limits for both heaps, in SYSFS_TOP only. */
static const char * const global_files[] = {
	"prefill_max_percent", "buffer_max_bytes",
};

/*
 * A name without a leading '/' is a file in the heap's SYSFS_DIR (or in
 * SYSFS_TOP for both heaps' limits), or with "debugfs:" in its DEBUGFS_DIR.
 */
static const char *path_of(const char *name, char *buf, size_t len)
{
	unsigned int i;

	if (name[0] == '/')
		return name;
	if (!strncmp(name, "debugfs:", 8)) {
		snprintf(buf, len, "%s%s", DEBUGFS_DIR, name + 8);
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(global_files); i++) {
		if (!strcmp(name, global_files[i])) {
			snprintf(buf, len, SYSFS_TOP "%s", name);
			return buf;
		}
	}
	snprintf(buf, len, "%s%s", SYSFS_DIR, name);
	return buf;
}

static int sysfs_read_str(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	fd = open(path_of(name, path, sizeof(path)), O_RDONLY);
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

/* Returns 0 or -errno of the open(2) or write(2), so callers can check it. */
static int sysfs_write(const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd, ret = 0;

	fd = open(path_of(name, path, sizeof(path)), O_WRONLY);
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

/* Writes a tunable the test depends on; says so if it is refused. */
static bool set_u64(const char *name, uint64_t val)
{
	int ret = sysfs_write_u64(name, val);

	if (ret)
		ksft_print_msg("writing %llu to %s: %s\n",
			       (unsigned long long)val, name, strerror(-ret));
	return !ret;
}

/* What debugfs' pools table says, summed over the orders. */
struct pools {
	uint64_t clean_pages;
	uint64_t dirty_pages;
	uint64_t target_pages;
	uint64_t prefill_pages;
	uint64_t wakeups;
	char state[16];
};

static int read_pools(struct pools *p)
{
	char buf[4096], path[256], *line, *save;
	size_t len = 0;
	int fd, rows = 0;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	fd = open(path_of(POOLS_FILE, path, sizeof(path)), O_RDONLY);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long order, cc, cp, dc, dp, v;
		char st[16];

		if (sscanf(line, "%llu %llu %llu %llu %llu",
			   &order, &cc, &cp, &dc, &dp) == 5) {
			p->clean_pages += cp;
			p->dirty_pages += dp;
			rows++;
		} else if (sscanf(line, "target_pages %llu", &v) == 1) {
			p->target_pages = v;
		} else if (sscanf(line, "prefill_pages %llu", &v) == 1) {
			p->prefill_pages = v;
		} else if (sscanf(line, "thread_wakeups %llu", &v) == 1) {
			p->wakeups = v;
		} else if (sscanf(line, "prefill_state %15s", st) == 1) {
			snprintf(p->state, sizeof(p->state), "%s", st);
		}
	}
	return rows ? 0 : -EINVAL;
}

static uint64_t clean_bytes(void)
{
	struct pools p;

	if (read_pools(&p)) {
		ksft_print_msg("cannot read %s\n", POOLS_FILE);
		return 0;
	}
	return p.clean_pages * page_size;
}

static uint64_t dirty_pages(void)
{
	struct pools p;

	if (read_pools(&p)) {
		ksft_print_msg("cannot read %s\n", POOLS_FILE);
		return 0;
	}
	return p.dirty_pages;
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

/* A "key value" line of a flat keyed file (/proc/vmstat, memory.events). */
static long long keyed_value(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long val = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			val = strtoll(line + klen + 1, NULL, 10);
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

	*buf_fd = -1;
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

/* Reads prefill_state from offset 0; this also re-arms sysfs_notify(). */
static int state_read(int fd, char *buf, size_t len)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static int state_open(char *buf, size_t len)
{
	char path[256];
	int fd, ret;

	fd = open(path_of("prefill_state", path, sizeof(path)), O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = state_read(fd, buf, len);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Waits for the next change of prefill_state after the last read of @fd:
 * poll() must return POLLPRI within @timeout_ms. A poll() that times out
 * fails with -ETIMEDOUT, one that wakes without POLLPRI with -EIO; a re-read
 * after a timeout is not a notification. Then reads the new state.
 */
static int state_next(int fd, int timeout_ms, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLPRI | POLLERR };
	long long deadline = now_ms() + timeout_ms;
	int n;

	for (;;) {
		long long left = deadline - now_ms();

		n = poll(&pfd, 1, left > 0 ? left : 0);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	if (!(pfd.revents & POLLPRI))
		return -EIO;
	return state_read(fd, buf, len);
}

static void list_add(char *list, size_t len, const char *sep,
		     const char *item)
{
	size_t used = strlen(list);

	snprintf(list + used, len - used, "%s%s", used ? sep : "", item);
}

/* The states a wait saw, as "pending>done". */
static void trail_add(char *trail, size_t len, const char *state)
{
	list_add(trail, len, ">", state);
}

/*
 * Waits the way a HAL does: read prefill_state (which arms the
 * notification), poll() for POLLPRI|POLLERR, lseek(0) and re-read, until it
 * reads @want. "expired" and "blocked" end the wait with -ECANCELED unless
 * they are what is wanted. With @armed, @fd was read since the last change
 * the caller cares about, and the first state must come with a POLLPRI.
 * Every state read is appended to @trail.
 */
static int state_wait_fd(int fd, bool armed, const char *want,
			 int timeout_ms, char *trail, size_t tlen)
{
	long long deadline = now_ms() + timeout_ms;
	char st[32];
	int ret;

	if (armed)
		ret = state_next(fd, timeout_ms, st, sizeof(st));
	else
		ret = state_read(fd, st, sizeof(st));
	for (;;) {
		long long left;

		if (ret)
			return ret;
		trail_add(trail, tlen, st);
		if (!strcmp(st, want))
			return 0;
		if (!strcmp(st, "expired") || !strcmp(st, "blocked"))
			return -ECANCELED;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = state_next(fd, left, st, sizeof(st));
	}
}

static int state_wait(const char *want, int timeout_ms, char *trail,
		      size_t tlen)
{
	char path[256];
	int fd, ret;

	fd = open(path_of("prefill_state", path, sizeof(path)), O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = state_wait_fd(fd, false, want, timeout_ms, trail, tlen);
	close(fd);
	return ret;
}

/* A test's setup failed before it could wait (said why above). */
#define SETUP_FAILED	(-ENOTRECOVERABLE)

static const char *wait_err(int ret)
{
	switch (ret) {
	case 0:
		return "ok";
	case SETUP_FAILED:
		return "setup failed";
	case -ETIMEDOUT:
		return "no POLLPRI before the deadline";
	case -EIO:
		return "poll() woke without POLLPRI";
	case -ECANCELED:
		return "the request failed";
	default:
		return strerror(-ret);
	}
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

/* The state letter of /proc/<pid>/stat, or 0 if the task is gone. */
static char task_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/*
 * kthread_stop() and kthread_create() are synchronous, but a stopped thread
 * may linger in /proc for a moment after it exited.
 */
static pid_t wait_thread_state(bool running)
{
	long long deadline = now_ms() + SETTLE_MS;
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

/*
 * Waits until the refill thread sleeps. Whatever gives it work (a request,
 * an allocation that leaves the pool short, a free the pool keeps) wakes it
 * before the system call returns, and it sleeps again only when there is
 * nothing left to do or memory is short. True if it sleeps or is stopped.
 */
static bool wait_thread_idle(void)
{
	long long deadline = now_ms() + SETTLE_MS;
	char st = 0;
	pid_t pid;

	for (;;) {
		pid = find_refill_thread();
		if (pid < 0)
			return true;
		st = task_state(pid);
		/* Asleep, or a stopped thread that has not left /proc yet. */
		if (st == 'S' || st == 'I' || st == 'Z' || st == 'X')
			return true;
		if (now_ms() > deadline)
			break;
		usleep(5000);
	}
	ksft_print_msg("refill thread (pid %d) still in state %c after %d ms\n",
		       pid, st ? st : '?', SETTLE_MS);
	return false;
}

static bool thread_set(bool on)
{
	int ret;

	if (!have_debugfs) {
		ksft_print_msg("cannot switch the refill thread: %s\n",
			       no_debugfs);
		return false;
	}
	ret = sysfs_write(THREAD_FILE, on ? "1" : "0");
	if (ret) {
		ksft_print_msg("writing %d to %s: %s\n", on, THREAD_FILE,
			       strerror(-ret));
		return false;
	}
	return true;
}

/* Polls total_pools_kb until it is at most @kb; returns the last value. */
static uint64_t wait_pool_kb_at_most(uint64_t kb, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	uint64_t cur;

	for (;;) {
		cur = sysfs_u64("total_pools_kb");
		if (cur <= kb || now_ms() > deadline)
			return cur;
		usleep(5000);
	}
}

/*
 * Empties the pool: no request, no low watermark, the thread as asked
 * (left as it is without debugfs). Setting a tunable makes the kernel's
 * decay worker trim the pool to its target; the trim is repeated once the
 * thread sleeps, so that a refill batch that was under way when the
 * request went away is trimmed too.
 */
static bool reset_pool(bool thread_on)
{
	uint64_t kb;

	if (!set_u64("prefill_bytes", 0) ||
	    !set_u64("low_watermark_bytes", 0) ||
	    !set_u64("decay_ms", LONG_DECAY_MS))
		return false;
	if (have_debugfs && !thread_set(thread_on))
		return false;
	if (!wait_thread_idle() || !set_u64("low_watermark_bytes", 0))
		return false;
	kb = wait_pool_kb_at_most(0, SETTLE_MS);
	if (kb)
		ksft_print_msg("pool holds %llu kB %d ms after it lost its target\n",
			       (unsigned long long)kb, SETTLE_MS);
	return !kb;
}

/* The thread runs: started if debugfs is there, else found in /proc. */
static bool thread_running(void)
{
	if (have_debugfs)
		return thread_set(true) && wait_thread_state(true) > 0;
	return find_refill_thread() > 0;
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
	if (have_debugfs)
		sysfs_write(THREAD_FILE, "0");
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ARRAY_SIZE(saved_names); i++)
			if (saved_vals[i][0])
				sysfs_write(saved_names[i], saved_vals[i]);
}

/* Mounts debugfs if needed; sets have_debugfs or says why not. */
static void setup_debugfs(void)
{
	char path[256];
	struct statfs sfs;

	if (statfs(DEBUGFS_MNT, &sfs) || sfs.f_type != DEBUGFS_MAGIC_NR) {
		if (mount("debugfs", DEBUGFS_MNT, "debugfs", 0, NULL)) {
			snprintf(no_debugfs, sizeof(no_debugfs),
				 "cannot mount debugfs at %s: %s",
				 DEBUGFS_MNT, strerror(errno));
			return;
		}
		mounted_debugfs = true;
	}
	debugfs_up = true;
	if (access(path_of(THREAD_FILE, path, sizeof(path)), W_OK) ||
	    access(path_of(POOLS_FILE, path, sizeof(path)), R_OK)) {
		snprintf(no_debugfs, sizeof(no_debugfs), "%s: %s", DEBUGFS_DIR,
			 strerror(errno));
		return;
	}
	have_debugfs = true;
}

/* The sysfs ABI of v2, and what it no longer has. */
static const char * const abi_files[] = {
	"prefill_bytes", "prefill_state", "prefill_max_percent",
	"low_watermark_bytes", "pool_cap_bytes", "decay_ms",
	"buffer_max_bytes", "total_pools_kb", "hits", "misses",
	"zeroed_bytes", "refill_us",
};

static const char * const gone_files[] = {
	"prefill_done", "thread", "order_8", "order_4", "order_0",
};

static void test_interface(void)
{
	char path[256], missing[256] = "", present[256] = "";
	struct pools p;
	struct stat stt;
	unsigned int i;
	bool ro = false;

	for (i = 0; i < ARRAY_SIZE(abi_files); i++)
		if (access(path_of(abi_files[i], path, sizeof(path)), R_OK))
			list_add(missing, sizeof(missing), ",", abi_files[i]);
	for (i = 0; i < ARRAY_SIZE(gone_files); i++)
		if (!access(path_of(gone_files[i], path, sizeof(path)), F_OK))
			list_add(present, sizeof(present), ",", gone_files[i]);
	/* Both heaps' limits are in SYSFS_TOP only. */
	for (i = 0; cur != &heaps[0] && i < ARRAY_SIZE(global_files); i++) {
		snprintf(path, sizeof(path), "%s%s", SYSFS_DIR, global_files[i]);
		if (!access(path, F_OK))
			list_add(present, sizeof(present), ",", global_files[i]);
	}
	if (!stat(path_of("prefill_state", path, sizeof(path)), &stt))
		ro = (stt.st_mode & 0777) == 0444;
	ksft_test_result(!missing[0] && !present[0] && ro,
			 "sysfs has the %zu files of the ABI (missing: %s), none of the removed ones (present: %s), prefill_state 0444: %s\n",
			 ARRAY_SIZE(abi_files), missing[0] ? missing : "none",
			 present[0] ? present : "none", ro ? "yes" : "no");

	/* debugfs is not ABI, but a kernel that has it has mmheap's files. */
	if (have_debugfs)
		ksft_test_result(!read_pools(&p),
				 "debugfs has %s and %s (pools parses: target %llu pages, state %s)\n",
				 THREAD_FILE, POOLS_FILE,
				 (unsigned long long)p.target_pages, p.state);
	else if (debugfs_up)
		ksft_test_result_fail("debugfs is mounted but %s\n", no_debugfs);
	else
		ksft_test_result_skip("debugfs files: %s\n", no_debugfs);
}

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

static bool prefilled;

static void test_prefill_poll(void)
{
	char trail[128] = "";
	long long t0;
	uint64_t pool_kb = 0;
	int ret = SETUP_FAILED;

	if (reset_pool(true)) {
		t0 = now_ms();
		ret = sysfs_write_u64("prefill_bytes", PREFILL_SIZE);
		if (!ret)
			ret = state_wait("done", WAIT_MS, trail, sizeof(trail));
		t0 = now_ms() - t0;
		pool_kb = sysfs_u64("total_pools_kb");
		prefilled = !ret && pool_kb * 1024 >= PREFILL_SIZE &&
			    (!have_debugfs || clean_bytes() >= PREFILL_SIZE);
	} else {
		t0 = 0;
	}
	ksft_test_result(prefilled,
			 "prefill of %llu MiB signalled by POLLPRI on prefill_state in %lld ms (%s, states %s, total_pools_kb %llu)\n",
			 PREFILL_SIZE / SZ_1M, t0, wait_err(ret), trail,
			 (unsigned long long)pool_kb);
}

static void test_prefilled_alloc(int heap_fd)
{
	uint64_t hits0, kb0, kb1, kb2;
	int buf_fd, ret;

	if (!prefilled || !have_debugfs || !thread_set(false)) {
		const char *why = have_debugfs ? "pool not prefilled" :
						 no_debugfs;

		ksft_test_result_skip("prefilled alloc is zero: %s\n", why);
		ksft_test_result_skip("hits rise: %s\n", why);
		ksft_test_result_skip("total_pools_kb falls on alloc: %s\n", why);
		ksft_test_result_skip("free at target goes back: %s\n", why);
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
		ksft_test_result_fail("free at target goes back\n");
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
	/*
	 * The pool now holds what is still outstanding of the request, its
	 * target: the freed buffer is above it and goes straight back.
	 */
	close(buf_fd);
	kb2 = sysfs_u64("total_pools_kb");
	ksft_test_result(kb2 == kb1,
			 "buffer freed with the pool at its target goes straight back (total_pools_kb %llu -> %llu, dirty pages %llu)\n",
			 (unsigned long long)kb1, (unsigned long long)kb2,
			 (unsigned long long)dirty_pages());
}

static void test_misses(int heap_fd)
{
	uint64_t misses0, len;
	int buf_fd, ret;

	if (!have_debugfs || !thread_set(false)) {
		ksft_test_result_skip("misses rise: %s\n", no_debugfs);
		ksft_test_result_skip("missed alloc is zero: %s\n", no_debugfs);
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

/* Allocates ALLOC_SIZE, writes 0xa5 to all of it and frees it. */
static bool dirty_free(int heap_fd, const char *what)
{
	int buf_fd, ret;

	ret = heap_alloc(heap_fd, ALLOC_SIZE, &buf_fd);
	if (!ret && buf_access(buf_fd, ALLOC_SIZE, 0xa5))
		ret = -EIO;
	if (ret) {
		ksft_print_msg("%s: alloc/fill: %s\n", what, strerror(-ret));
		return false;
	}
	close(buf_fd);
	return true;
}

/* Allocates ALLOC_SIZE and checks it is zero. */
static bool zero_realloc(int heap_fd, const char *what)
{
	int buf_fd, ret;
	bool ok;

	ret = heap_alloc(heap_fd, ALLOC_SIZE, &buf_fd);
	if (ret) {
		ksft_print_msg("%s: realloc: %s\n", what, strerror(-ret));
		return false;
	}
	ok = check_zero(buf_fd, ALLOC_SIZE, what);
	close(buf_fd);
	return ok;
}

/*
 * With a low watermark of ALLOC_SIZE and an empty pool, a freed buffer is
 * what the pool is short of: it keeps it on its dirty lists. It must never
 * hand those pages out before the thread zeroed them.
 */
static void test_freed_come_back_zero(int heap_fd)
{
	const uint64_t want = ALLOC_SIZE / page_size;
	long long deadline;
	uint64_t dirty0 = 0, dirty1 = 0, hits0 = 0, hits1 = 0;
	struct pools p = { 0 };
	bool ok, kept;

	if (!have_debugfs) {
		ksft_test_result_skip("freed buffer kept dirty, realloc zero: %s\n",
				      no_debugfs);
		ksft_test_result_skip("freed buffer zeroed by the thread: %s\n",
				      no_debugfs);
		return;
	}

	ok = reset_pool(false) && set_u64("low_watermark_bytes", ALLOC_SIZE) &&
	     dirty_free(heap_fd, "thread stopped");
	dirty0 = dirty_pages();
	kept = ok && dirty0 == want;
	ok = kept && zero_realloc(heap_fd, "thread stopped");
	dirty1 = dirty_pages();
	ksft_test_result(ok && dirty1 == want,
			 "written-then-freed buffer is kept dirty (%llu pages, %llu after) and a realloc is zero (thread stopped)\n",
			 (unsigned long long)dirty0,
			 (unsigned long long)dirty1);

	/* The thread zeroes what the pool kept; the realloc gets those pages. */
	ok = kept && thread_set(true);
	deadline = now_ms() + WAIT_MS;
	while (ok && !read_pools(&p) &&
	       (p.dirty_pages || p.clean_pages < want) && now_ms() < deadline)
		usleep(10000);
	if (ok && (p.dirty_pages || p.clean_pages < want)) {
		ksft_print_msg("dirty %llu, clean %llu pages %d ms after the thread started\n",
			       (unsigned long long)p.dirty_pages,
			       (unsigned long long)p.clean_pages, WAIT_MS);
		ok = false;
	}
	hits0 = sysfs_u64("hits");
	ok = ok && zero_realloc(heap_fd, "thread running");
	hits1 = sysfs_u64("hits");
	ksft_test_result(ok && hits1 > hits0,
			 "written-then-freed buffer is zero after the thread zeroed it (served from the pool: hits %llu -> %llu)\n",
			 (unsigned long long)hits0, (unsigned long long)hits1);
	set_u64("low_watermark_bytes", 0);
}

/*
 * A HAL's prefill from start to end: the request is pending while the
 * thread (held stopped) has not filled it, done once it has, and consumed
 * by the allocations it was for. Nothing refills the pool behind them.
 */
static void test_consumed_prefill(int heap_fd)
{
	uint64_t out0 = 0, out1 = 0, out2 = 0, kb = 0, kb_late = 0;
	char trail[128] = "", st[32] = "";
	bool seq_ok = false, ok, idle = false;
	int fd = -1, b1 = -1, b2 = -1, ret;

	ok = reset_pool(false);
	if (ok) {
		fd = state_open(st, sizeof(st));
		ok = fd >= 0;
	}
	if (ok) {
		trail_add(trail, sizeof(trail), st);
		seq_ok = !strcmp(st, "none");
		ok = set_u64("prefill_bytes", PREFILL_SIZE);
	}
	if (ok && have_debugfs) {
		/* Thread stopped: nothing can fill the request yet. */
		ret = state_next(fd, SETTLE_MS, st, sizeof(st));
		trail_add(trail, sizeof(trail), ret ? wait_err(ret) : st);
		seq_ok = seq_ok && !ret && !strcmp(st, "pending");
		ok = !ret && thread_set(true);
		if (ok) {
			ret = state_next(fd, WAIT_MS, st, sizeof(st));
			trail_add(trail, sizeof(trail),
				  ret ? wait_err(ret) : st);
			seq_ok = seq_ok && !ret && !strcmp(st, "done");
			ok = !ret;
		}
	} else if (ok) {
		ret = state_wait_fd(fd, false, "done", WAIT_MS, trail,
				    sizeof(trail));
		ok = !ret;
	}
	if (ok) {
		out0 = sysfs_u64("prefill_bytes");
		ret = heap_alloc(heap_fd, ALLOC_SIZE, &b1);
		out1 = sysfs_u64("prefill_bytes");
		if (!ret)
			ret = heap_alloc(heap_fd, ALLOC_SIZE, &b2);
		ok = !ret;
		if (ret)
			ksft_print_msg("alloc of %llu bytes: %s\n",
				       ALLOC_SIZE, strerror(-ret));
	}
	if (ok) {
		ret = state_next(fd, SETTLE_MS, st, sizeof(st));
		trail_add(trail, sizeof(trail), ret ? wait_err(ret) : st);
		seq_ok = seq_ok && !ret && !strcmp(st, "none");
		out2 = sysfs_u64("prefill_bytes");

		/* Let the thread do whatever it was given, then look. */
		idle = wait_thread_idle();
		kb = sysfs_u64("total_pools_kb");
		usleep(QUIET_MS * 1000);
		idle = idle && wait_thread_idle();
		kb_late = sysfs_u64("total_pools_kb");
	}

	if (have_debugfs)
		ksft_test_result(ok && seq_ok,
				 "prefill_state goes none -> pending -> done -> none, each change signalled by POLLPRI (saw %s)\n",
				 trail);
	else
		ksft_test_result_skip("prefill_state none -> pending -> done -> none: %s\n",
				      no_debugfs);
	ksft_test_result(ok && out0 == PREFILL_SIZE && out1 == ALLOC_SIZE &&
			 out2 == 0,
			 "prefill_bytes reads what is outstanding: %llu -> %llu -> %llu as 2 x %llu MiB are allocated\n",
			 (unsigned long long)out0, (unsigned long long)out1,
			 (unsigned long long)out2, ALLOC_SIZE / SZ_1M);
	ksft_test_result(ok && idle && kb * 1024 < PREFILL_SIZE &&
			 kb_late * 1024 < PREFILL_SIZE,
			 "consumed prefill is not refilled behind the allocations (total_pools_kb %llu, %llu %d ms later, thread idle; request was %llu kB)\n",
			 (unsigned long long)kb, (unsigned long long)kb_late,
			 QUIET_MS, PREFILL_SIZE / 1024);
	if (b1 >= 0)
		close(b1);
	if (b2 >= 0)
		close(b2);
	if (fd >= 0)
		close(fd);
}

/* A request the cap cannot hold is blocked until the cap is raised. */
static void test_blocked(void)
{
	char trail[128] = "", st[32] = "", cap0[64] = "";
	uint64_t kb = 0;
	int fd = -1, ret = -EIO;
	bool ok;

	ok = reset_pool(true) &&
	     !sysfs_read_str("pool_cap_bytes", cap0, sizeof(cap0)) &&
	     set_u64("pool_cap_bytes", ALLOC_SIZE);
	if (ok) {
		fd = state_open(st, sizeof(st));
		ok = fd >= 0;
	}
	if (ok) {
		trail_add(trail, sizeof(trail), st);
		ok = set_u64("prefill_bytes", PREFILL_SIZE);
	}
	if (ok) {
		ret = state_next(fd, SETTLE_MS, st, sizeof(st));
		trail_add(trail, sizeof(trail), ret ? wait_err(ret) : st);
		ok = !ret && !strcmp(st, "blocked");
	}
	if (cap0[0] && sysfs_write("pool_cap_bytes", cap0)) {
		ksft_print_msg("cannot restore pool_cap_bytes to %s\n", cap0);
		ok = false;
	}
	if (ok) {
		/* The raised cap makes it pending, and the thread fills it. */
		ret = state_next(fd, SETTLE_MS, st, sizeof(st));
		trail_add(trail, sizeof(trail), ret ? wait_err(ret) : st);
		if (!ret && strcmp(st, "done"))
			ret = state_wait_fd(fd, true, "done", WAIT_MS, trail,
					    sizeof(trail));
		ok = !ret;
		kb = sysfs_u64("total_pools_kb");
	}
	ksft_test_result(ok && kb * 1024 >= PREFILL_SIZE,
			 "request above pool_cap_bytes is blocked, then done once the cap is raised, signalled by POLLPRI (saw %s; total_pools_kb %llu)\n",
			 trail, (unsigned long long)kb);
	if (fd >= 0)
		close(fd);
}

/*
 * With no request and no low watermark the pool's target is 0: every page
 * of a freed buffer goes straight back to the page allocator, so the pool
 * is empty the moment the frees return.
 */
static bool free_above_target(int heap_fd, bool thread_on, uint64_t *kb0,
			      uint64_t *kb1, int *got)
{
	int fds[FREE_BUFS];
	int i, ret = 0;

	*got = 0;
	*kb0 = *kb1 = ~0ULL;
	if (!reset_pool(thread_on))
		return false;
	if (thread_on && !thread_running()) {
		ksft_print_msg("the refill thread is not running\n");
		return false;
	}
	*kb0 = sysfs_u64("total_pools_kb");
	for (i = 0; i < FREE_BUFS; i++) {
		ret = heap_alloc(heap_fd, FREE_BUF_SIZE, &fds[i]);
		if (ret)
			break;
	}
	*got = i;
	if (ret)
		ksft_print_msg("alloc %d of %d x %llu MiB: %s\n", i + 1,
			       FREE_BUFS, FREE_BUF_SIZE / SZ_1M,
			       strerror(-ret));
	while (i--)
		close(fds[i]);
	*kb1 = sysfs_u64("total_pools_kb");
	return !ret && !*kb0 && !*kb1;
}

static void test_free_above_target(int heap_fd)
{
	uint64_t kb0, kb1;
	bool ok;
	int got;

	if (have_debugfs) {
		ok = free_above_target(heap_fd, false, &kb0, &kb1, &got);
		ksft_test_result(ok,
				 "%d x %llu MiB freed with no target go straight back, thread stopped (total_pools_kb %llu before, %llu right after the frees)\n",
				 got, FREE_BUF_SIZE / SZ_1M,
				 (unsigned long long)kb0,
				 (unsigned long long)kb1);
	} else {
		ksft_test_result_skip("freed with no target go back, thread stopped: %s\n",
				      no_debugfs);
	}
	ok = free_above_target(heap_fd, true, &kb0, &kb1, &got);
	ksft_test_result(ok,
			 "%d x %llu MiB freed with no target go straight back, thread running (total_pools_kb %llu before, %llu right after the frees)\n",
			 got, FREE_BUF_SIZE / SZ_1M,
			 (unsigned long long)kb0, (unsigned long long)kb1);
}

/*
 * Fills a request of PREFILL_SIZE with the thread running and opens
 * prefill_state, read once (so armed). Returns the fd or -1.
 */
static int prefill_and_arm(uint64_t low)
{
	char trail[128] = "", st[32];
	int fd, ret;

	if (!reset_pool(true) || !thread_running() ||
	    !set_u64("low_watermark_bytes", low) ||
	    !set_u64("prefill_bytes", PREFILL_SIZE))
		return -1;
	ret = state_wait("done", WAIT_MS, trail, sizeof(trail));
	if (ret) {
		ksft_print_msg("prefill of %llu MiB: %s (states %s)\n",
			       PREFILL_SIZE / SZ_1M, wait_err(ret), trail);
		return -1;
	}
	fd = state_open(st, sizeof(st));
	if (fd < 0)
		ksft_print_msg("open prefill_state: %s\n", strerror(-fd));
	return fd;
}

/*
 * An unconsumed request expires decay_ms after the last allocation; the
 * expiry is signalled by POLLPRI and the pool drains to the low watermark.
 */
static void test_decay(int heap_fd)
{
	char trail[128] = "", state[32] = "";
	uint64_t bytes = ~0ULL, kb0 = 0, kb1 = ~0ULL;
	long long t0 = 0, took = -1;
	int fd, buf_fd = -1, ret = SETUP_FAILED;

	fd = prefill_and_arm(0);
	if (fd >= 0) {
		kb0 = sysfs_u64("total_pools_kb");
		/* The allocation starts the decay afresh; it is not consumed. */
		t0 = now_ms();
		ret = heap_alloc(heap_fd, SZ_1M, &buf_fd);
		if (!ret)
			ret = sysfs_write_u64("decay_ms", DECAY_MS);
		if (!ret) {
			ret = state_wait_fd(fd, true, "expired", SETTLE_MS,
					    trail, sizeof(trail));
			took = now_ms() - t0;
		} else {
			ksft_print_msg("alloc or decay_ms: %s\n", strerror(-ret));
		}
		if (!ret) {
			bytes = sysfs_u64("prefill_bytes");
			sysfs_read_str("prefill_state", state, sizeof(state));
			kb1 = wait_pool_kb_at_most(0, SETTLE_MS);
		}
	}
	/* One jiffy of slack: the deadline is counted in jiffies. */
	ksft_test_result(!ret && took >= DECAY_MS - 10,
			 "unconsumed request expires %d ms after the last allocation, signalled by POLLPRI (%s after %lld ms, saw %s)\n",
			 DECAY_MS, wait_err(ret), took, trail);
	ksft_test_result(!ret && bytes == 0 && !strcmp(state, "expired"),
			 "prefill_bytes reads 0 once the request expired (read %llu, state %s)\n",
			 (unsigned long long)bytes, state);
	ksft_test_result(!ret && kb1 == 0,
			 "expired request drains the pool to the low watermark, 0 (total_pools_kb %llu -> %llu)\n",
			 (unsigned long long)kb0, (unsigned long long)kb1);
	if (buf_fd >= 0)
		close(buf_fd);
	if (fd >= 0)
		close(fd);
	set_u64("decay_ms", LONG_DECAY_MS);
}

/*
 * The expiry and the drain are the decay worker's, not the idle thread's:
 * they happen with the thread stopped.
 */
static void test_drain_thread_stopped(void)
{
	const uint64_t low_kb = LOW_WMARK / 1024;
	char trail[128] = "";
	uint64_t kb0 = 0, kb1 = ~0ULL, kb2 = ~0ULL;
	int fd, ret = SETUP_FAILED;
	bool stopped = false;

	if (!have_debugfs) {
		ksft_test_result_skip("expired request drains with the thread stopped: %s\n",
				      no_debugfs);
		return;
	}
	fd = prefill_and_arm(LOW_WMARK);
	if (fd >= 0 && thread_set(false) && wait_thread_state(false) < 0) {
		kb0 = sysfs_u64("total_pools_kb");
		ret = sysfs_write_u64("decay_ms", DECAY_MS);
		if (!ret)
			ret = state_wait_fd(fd, true, "expired", SETTLE_MS,
					    trail, sizeof(trail));
		if (!ret) {
			kb1 = wait_pool_kb_at_most(low_kb, SETTLE_MS);
			usleep(QUIET_MS * 1000);
			kb2 = sysfs_u64("total_pools_kb");
		}
		stopped = find_refill_thread() < 0;
	}
	/* Chunks are not split: the pool may end up to one chunk below. */
	ksft_test_result(!ret && stopped && kb1 <= low_kb &&
			 kb1 + CHUNK_KB > low_kb && kb2 == kb1,
			 "expired request drains to low_watermark_bytes (%llu kB) with the refill thread stopped (%s, saw %s; total_pools_kb %llu -> %llu, %llu %d ms later)\n",
			 (unsigned long long)low_kb, wait_err(ret), trail,
			 (unsigned long long)kb0, (unsigned long long)kb1,
			 (unsigned long long)kb2, QUIET_MS);
	if (fd >= 0)
		close(fd);
	set_u64("decay_ms", LONG_DECAY_MS);
	set_u64("low_watermark_bytes", 0);
	thread_set(true);
}

static void test_thread_restart(void)
{
	uint64_t state;
	bool ok = true;
	int i;

	if (!have_debugfs) {
		ksft_test_result_skip("thread 0/1 stops and restarts: %s\n",
				      no_debugfs);
		return;
	}
	for (i = 0; i < 5 && ok; i++) {
		ok = thread_set(false) && wait_thread_state(false) < 0 &&
		     !sysfs_read_u64(THREAD_FILE, &state) && state == 0;
		if (!ok) {
			ksft_print_msg("round %d: thread did not stop\n", i);
			break;
		}
		ok = thread_set(true) && wait_thread_state(true) > 0 &&
		     !sysfs_read_u64(THREAD_FILE, &state) && state == 1;
		if (!ok)
			ksft_print_msg("round %d: thread did not start\n", i);
	}
	ksft_test_result(ok, "debugfs thread 0/1 stops and restarts \"%s\" 5 times\n",
			 THREAD_COMM);
}

/*
 * Every CPU but one busy with a SCHED_FIFO spinner, and the test SCHED_FIFO
 * on the remaining one: a task woken now cannot run until they stop. A
 * refill thread that set its own policy when it first ran would be caught
 * at SCHED_NORMAL; one made SCHED_IDLE before it was woken is not.
 */
struct hogs {
	struct {
		int go;
		int ready;
		int failed;
	} *ctl;
	cpu_set_t saved;
	pid_t pids[CPU_SETSIZE];
	int n;
};

static void hog_child(struct hogs *h, int cpu)
{
	struct sched_param sp = { .sched_priority = 1 };
	long long t0;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		__atomic_add_fetch(&h->ctl->failed, 1, __ATOMIC_SEQ_CST);
		_exit(1);
	}
	__atomic_add_fetch(&h->ctl->ready, 1, __ATOMIC_SEQ_CST);
	/* Bounded, whatever the parent does: far below RT throttling. */
	t0 = now_ms();
	while (__atomic_load_n(&h->ctl->go, __ATOMIC_SEQ_CST) &&
	       now_ms() - t0 < 800)
		;
	_exit(0);
}

static void hogs_stop(struct hogs *h)
{
	struct sched_param sp = { .sched_priority = 0 };

	__atomic_store_n(&h->ctl->go, 0, __ATOMIC_SEQ_CST);
	sched_setscheduler(0, SCHED_OTHER, &sp);
	sched_setaffinity(0, sizeof(h->saved), &h->saved);
	while (h->n--)
		waitpid(h->pids[h->n], NULL, 0);
	munmap(h->ctl, sizeof(*h->ctl));
}

/* Returns 0 with the CPUs busy, or -errno with nothing changed. */
static int hogs_start(struct hogs *h)
{
	struct sched_param sp = { .sched_priority = 1 };
	long long deadline;
	int cpu, self = -1, ret;
	cpu_set_t one;
	pid_t pid;

	h->n = 0;
	if (sched_getaffinity(0, sizeof(h->saved), &h->saved))
		return -errno;
	h->ctl = mmap(NULL, sizeof(*h->ctl), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h->ctl == MAP_FAILED)
		return -errno;
	h->ctl->go = 1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &h->saved))
			continue;
		if (self < 0) {
			self = cpu;
			continue;
		}
		pid = fork();
		if (!pid)
			hog_child(h, cpu);
		if (pid < 0) {
			ret = -errno;
			goto fail;
		}
		h->pids[h->n++] = pid;
	}
	deadline = now_ms() + SETTLE_MS;
	while (__atomic_load_n(&h->ctl->ready, __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&h->ctl->failed, __ATOMIC_SEQ_CST) < h->n &&
	       now_ms() < deadline)
		usleep(1000);
	if (__atomic_load_n(&h->ctl->ready, __ATOMIC_SEQ_CST) != h->n) {
		ret = -EPERM;
		goto fail;
	}
	CPU_ZERO(&one);
	CPU_SET(self, &one);
	if (sched_setaffinity(0, sizeof(one), &one) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	hogs_stop(h);
	return ret;
}

/*
 * The thread is created, made SCHED_IDLE and only then woken: its policy
 * is SCHED_IDLE the moment it can be found, with no grace period.
 */
static void test_sched_idle(void)
{
	int policy = -1, round, hogged = 0, hog_err = 0;
	bool ok = true;
	pid_t pid = -1;

	if (!have_debugfs) {
		ksft_test_result_skip("refill thread is SCHED_IDLE at once: %s\n",
				      no_debugfs);
		return;
	}
	for (round = 0; round < POLICY_ROUNDS && ok; round++) {
		long long deadline;
		struct hogs h;
		bool hog;

		if (!thread_set(false) || wait_thread_state(false) > 0) {
			ksft_print_msg("round %d: thread did not stop\n", round);
			ok = false;
			break;
		}
		hog = false;
		if (round % 2 && !hog_err) {
			hog_err = hogs_start(&h);
			hog = !hog_err;
			if (hog_err)
				ksft_print_msg("no SCHED_FIFO spinners (%s): plain starts\n",
					       strerror(-hog_err));
		}
		ok = thread_set(true);
		/* Visible from kthread_create() on: only finding it may retry. */
		pid = -1;
		deadline = now_ms() + SETTLE_MS;
		while (ok && pid < 0 && now_ms() < deadline)
			pid = find_refill_thread();
		policy = pid > 0 ? sched_getscheduler(pid) : -1;
		if (hog) {
			hogs_stop(&h);
			hogged++;
		}
		if (pid < 0) {
			ksft_print_msg("round %d: no \"%s\" in /proc\n", round,
				       THREAD_COMM);
			ok = false;
		} else if (policy != SCHED_IDLE) {
			ksft_print_msg("round %d%s: pid %d has policy %d when it appears\n",
				       round, hog ? " (CPUs busy)" : "", pid,
				       policy);
			ok = false;
		}
	}
	ksft_test_result(ok,
			 "refill thread (pid %d) is SCHED_IDLE (%d) the moment it appears: %d starts, %d with the other CPUs busy at SCHED_FIFO (last policy %d)\n",
			 pid, SCHED_IDLE, round, hogged, policy);
	thread_set(true);
}

/* Appends "name=value;" for every file of @dir to @out. */
static int snapshot_dir(const char *dir, char *out, size_t len)
{
	struct dirent *de;
	int files = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[300], val[1024];
		size_t used;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, de->d_name);
		if (sysfs_read_str(path, val, sizeof(val)))
			continue;
		used = strlen(out);
		snprintf(out + used, len - used, "%s=%s;", de->d_name, val);
		files++;
	}
	closedir(d);
	return files;
}

static int snapshot(char *out, size_t len)
{
	int files, more;

	out[0] = '\0';
	files = snapshot_dir(SYSFS_DIR, out, len);
	if (files >= 0 && have_debugfs) {
		more = snapshot_dir(DEBUGFS_DIR, out, len);
		files += more > 0 ? more : 0;
	}
	return files;
}

/* Reading a file is never a request: it changes and signals nothing. */
static void test_reads_change_nothing(void)
{
	static char before[8192], after[8192], trail[128];
	struct pollfd pfd = { .events = POLLPRI | POLLERR };
	int files = 0, fd = -1, i, n = -1;
	char st[32] = "";
	bool ok;

	ok = reset_pool(true) && set_u64("prefill_bytes", ALLOC_SIZE) &&
	     !state_wait("done", WAIT_MS, trail, sizeof(trail)) &&
	     wait_thread_idle();
	if (ok) {
		fd = state_open(st, sizeof(st));
		ok = fd >= 0;
	}
	if (ok) {
		files = snapshot(before, sizeof(before));
		for (i = 0; i < 20; i++) {
			snapshot(after, sizeof(after));
			sysfs_read_str(MEM_ACCT_FILE, st, sizeof(st));
		}
		snapshot(after, sizeof(after));
		pfd.fd = fd;
		n = poll(&pfd, 1, 0);
		ok = files > 0 && !strcmp(before, after) && n == 0;
		if (strcmp(before, after))
			ksft_print_msg("before: %s\nafter:  %s\n", before, after);
	}
	ksft_test_result(ok,
			 "reading all %d files 20 times changes nothing and signals nothing (poll %d, revents %#x)\n",
			 files, n, (unsigned int)pfd.revents);
	if (fd >= 0)
		close(fd);
}

enum bad_val {
	BAD_FIXED,
	BAD_ABOVE_PREFILL_MAX,	/* above prefill_max_percent of RAM */
	BAD_ABOVE_CAP,		/* above pool_cap_bytes */
	BAD_ABOVE_RAM,		/* above total RAM */
};

struct bad_write {
	const char *file;
	const char *val;	/* for BAD_FIXED */
	enum bad_val kind;
	int err;		/* expected errno */
	int alt_err;		/* also accepted, or 0 */
	const char *why;
};

static const struct bad_write bad_writes[] = {
	{ "prefill_bytes", "abc", BAD_FIXED, EINVAL, 0, "not a number" },
	{ "prefill_bytes", "-1", BAD_FIXED, EINVAL, ERANGE, "negative" },
	{ "prefill_bytes", "99999999999999999999999", BAD_FIXED, ERANGE, EINVAL, "overflow" },
	{ "prefill_bytes", "17179869184G", BAD_FIXED, ERANGE, 0, "overflow by the suffix" },
	{ "prefill_bytes", "12abc", BAD_FIXED, EINVAL, 0, "trailing junk" },
	{ "prefill_bytes", "16T", BAD_FIXED, EINVAL, 0, "unknown suffix" },
	{ "prefill_bytes", "M", BAD_FIXED, EINVAL, 0, "a suffix alone" },
	{ "prefill_bytes", "\n", BAD_FIXED, EINVAL, 0, "an empty line" },
	{ "prefill_bytes", "12\n\n", BAD_FIXED, EINVAL, 0, "two newlines" },
	{ "prefill_bytes", NULL, BAD_ABOVE_PREFILL_MAX, ERANGE, 0, "above prefill_max_percent" },
	{ "prefill_max_percent", "0", BAD_FIXED, ERANGE, EINVAL, "below 1" },
	{ "prefill_max_percent", "91", BAD_FIXED, ERANGE, EINVAL, "above 90" },
	{ "prefill_max_percent", "x", BAD_FIXED, EINVAL, 0, "not a number" },
	{ "low_watermark_bytes", "-4096", BAD_FIXED, EINVAL, ERANGE, "negative" },
	{ "low_watermark_bytes", NULL, BAD_ABOVE_CAP, ERANGE, EINVAL, "above pool_cap_bytes" },
	{ "pool_cap_bytes", "1M2", BAD_FIXED, EINVAL, 0, "trailing junk" },
	{ "pool_cap_bytes", "99999999999999999999999", BAD_FIXED, ERANGE, EINVAL, "overflow" },
	{ "pool_cap_bytes", NULL, BAD_ABOVE_RAM, ERANGE, 0, "above total RAM" },
	{ "decay_ms", "12abc", BAD_FIXED, EINVAL, 0, "trailing junk" },
	{ "decay_ms", "-5", BAD_FIXED, EINVAL, ERANGE, "negative" },
	{ "decay_ms", "86400001", BAD_FIXED, ERANGE, 0, "above a day" },
	{ "buffer_max_bytes", "lots", BAD_FIXED, EINVAL, 0, "not a number" },
	{ "buffer_max_bytes", "99999999999999999999999", BAD_FIXED, ERANGE, EINVAL, "overflow" },
	{ "buffer_max_bytes", "1", BAD_FIXED, ERANGE, 0, "below a page" },
	/* Read-only sysfs files: kernfs refuses the open for writing. */
	{ "prefill_state", "none", BAD_FIXED, EACCES, 0, "read-only" },
	{ "total_pools_kb", "0", BAD_FIXED, EACCES, 0, "read-only" },
	{ THREAD_FILE, "2", BAD_FIXED, EINVAL, 0, "neither 0 nor 1" },
	{ THREAD_FILE, "-1", BAD_FIXED, EINVAL, 0, "negative" },
	{ THREAD_FILE, "on1", BAD_FIXED, EINVAL, 0, "not a number" },
	{ MEM_ACCT_FILE, "maybe", BAD_FIXED, EINVAL, 0, "not a boolean" },
};

/*
 * Each refused write must leave the file and the prefill request as they
 * were. The test runs with a request outstanding and done, so that a write
 * that cancelled or replaced it would show.
 */
static void test_bad_writes(void)
{
	char trail[128] = "";
	bool armed;
	unsigned int i;

	armed = reset_pool(true) && set_u64("prefill_bytes", ALLOC_SIZE) &&
		!state_wait("done", WAIT_MS, trail, sizeof(trail));
	if (!armed)
		ksft_print_msg("no prefill done before the bad writes (states %s)\n",
			       trail);

	for (i = 0; i < ARRAY_SIZE(bad_writes); i++) {
		const struct bad_write *bw = &bad_writes[i];
		char before[64], after[64], val[64], shown[128];
		char st0[32] = "", st1[32] = "", req0[32] = "", req1[32] = "";
		unsigned int j, k;
		int ret;

		if (!strncmp(bw->file, "debugfs:", 8) &&
		    !have_debugfs) {
			ksft_test_result_skip("%s refuses %s: %s\n",
					      bw->file, bw->why,
					      no_debugfs);
			continue;
		}
		switch (bw->kind) {
		case BAD_FIXED:
			snprintf(val, sizeof(val), "%s", bw->val);
			break;
		case BAD_ABOVE_PREFILL_MAX: {
			uint64_t pct = sysfs_u64("prefill_max_percent");
			uint64_t ram = (uint64_t)meminfo_kb("MemTotal") * 1024;

			snprintf(val, sizeof(val), "%llu",
				 (unsigned long long)(ram / 100 * (pct + 1) + SZ_1M));
			break;
		}
		case BAD_ABOVE_CAP:
			snprintf(val, sizeof(val), "%llu", (unsigned long long)
				 (sysfs_u64("pool_cap_bytes") + SZ_1M));
			break;
		case BAD_ABOVE_RAM:
			snprintf(val, sizeof(val), "%llu", (unsigned long long)
				 ((uint64_t)meminfo_kb("MemTotal") * 1024 + SZ_1M));
			break;
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
			ksft_test_result_skip("%s refuses %s: cannot read it\n",
					      bw->file, bw->why);
			continue;
		}
		sysfs_read_str("prefill_state", st0, sizeof(st0));
		sysfs_read_str("prefill_bytes", req0, sizeof(req0));
		ret = -sysfs_write(bw->file, val);
		sysfs_read_str(bw->file, after, sizeof(after));
		sysfs_read_str("prefill_state", st1, sizeof(st1));
		sysfs_read_str("prefill_bytes", req1, sizeof(req1));
		ksft_test_result((ret == bw->err || (bw->alt_err && ret == bw->alt_err)) &&
				 !strcmp(before, after) && !strcmp(st0, st1) &&
				 !strcmp(req0, req1),
				 "%s refuses %s \"%s\": %s (want %s), value %s -> %s, request %s %s -> %s %s\n",
				 bw->file, bw->why, shown,
				 ret ? strerror(ret) : "accepted",
				 strerror(bw->err), before, after,
				 req0, st0, req1, st1);
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
	if (have_debugfs)
		thread_set(false);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		uint64_t kb0 = sysfs_u64("total_pools_kb");
		long free0 = meminfo_kb("MemFree");
		long free1;
		int buf_fd = -1, ret;

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
	if (have_debugfs)
		thread_set(true);
}

/* What the child in the memory cgroup reports through a pipe. */
struct memcg_report {
	int stage;		/* 0: allocated; 1: could not join the cgroup */
	int err;		/* errno of the first failure, or 0 */
	uint64_t allocated;
	long long current;	/* memory.current while holding the buffers */
};

static void memcg_child(const char *cg, int wfd)
{
	struct memcg_report r = { 0 };
	int fds[MEMCG_PIECES];
	char path[300], val[64];
	int heap_fd, i, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	ret = sysfs_write(path, "0");
	if (ret) {
		r.stage = 1;
		r.err = -ret;
		goto out;
	}
	heap_fd = open(HEAP_PATH, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0) {
		r.stage = 1;
		r.err = errno;
		goto out;
	}
	for (i = 0; i < (int)MEMCG_PIECES; i++) {
		ret = heap_alloc(heap_fd, MEMCG_PIECE, &fds[i]);
		if (ret) {
			r.err = -ret;
			break;
		}
		r.allocated += MEMCG_PIECE;
	}
	snprintf(path, sizeof(path), "%s/memory.current", cg);
	r.current = sysfs_read_str(path, val, sizeof(val)) ? -1 :
		    strtoll(val, NULL, 10);
out:
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	/* The buffers go back when the child exits. */
	_exit(r.stage ? 2 : 0);
}

/* Runs the child once; false if it could not be run at all. */
static bool memcg_run(const char *cg, struct memcg_report *r, int *status,
		      long long *oom_kills, long long *cg_oom_kills)
{
	long long vm0, vm1;
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->err = -1;
	vm0 = keyed_value("/proc/vmstat", "oom_kill");
	if (pipe(pipefd))
		return false;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return false;
	}
	if (!pid) {
		close(pipefd[0]);
		memcg_child(cg, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], r, sizeof(*r));
	close(pipefd[0]);
	if (n != sizeof(*r))
		r->stage = -1;
	waitpid(pid, status, 0);
	vm1 = keyed_value("/proc/vmstat", "oom_kill");
	*oom_kills = vm0 >= 0 && vm1 >= 0 ? vm1 - vm0 : 0;
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/memory.events", cg);
		*cg_oom_kills = keyed_value(path, "oom_kill");
	}
	return true;
}

static const char *exit_desc(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %#x", status);
	return buf;
}

/* Finds or mounts cgroup2; returns a reason to skip, or NULL. */
static const char *cgroup_mount(char *mnt, size_t len, bool *mounted)
{
	static char why[200];
	char line[512], dev[256], dir[256], type[64];
	bool have_fs = false;
	FILE *f;

	*mounted = false;
	f = fopen("/proc/filesystems", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "\tcgroup2\n"))
				have_fs = true;
		fclose(f);
	}
	if (!have_fs)
		return "no cgroup2 in /proc/filesystems (CONFIG_CGROUPS=n)";
	f = fopen("/proc/self/mounts", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%255s %255s %63s", dev, dir, type) == 3 &&
			    !strcmp(type, "cgroup2")) {
				snprintf(mnt, len, "%s", dir);
				fclose(f);
				return NULL;
			}
		}
		fclose(f);
	}
	if (mount("cgroup2", CGROUP_MNT, "cgroup2", 0, NULL)) {
		snprintf(why, sizeof(why), "cannot mount cgroup2 at %s: %s",
			 CGROUP_MNT, strerror(errno));
		return why;
	}
	*mounted = true;
	snprintf(mnt, len, "%s", CGROUP_MNT);
	return NULL;
}

/*
 * With mem_accounting on, buffers are charged to the allocating task's
 * memory cgroup, pool pages included: a cgroup with memory.max = 64 MiB
 * cannot get 128 MiB, and gets -ENOMEM rather than the OOM killer.
 */
static void test_memcg(void)
{
	char mnt[256], cg[300], path[400], ctl[256], acct0[8] = "";
	char trail[128] = "", why[512] = "", ex[64], cmdline[1024];
	struct memcg_report r;
	long long kills, cg_kills;
	unsigned long long first;
	bool mounted = false, enabled = false, ok = false, made = false;
	const char *err;
	int status = 0;

	if (sysfs_read_str(MEM_ACCT_FILE, acct0, sizeof(acct0))) {
		snprintf(why, sizeof(why), "no %s", MEM_ACCT_FILE);
		goto skip;
	}
	if (sysfs_read_str("/proc/cmdline", cmdline, sizeof(cmdline)) == 0 &&
	    strstr(cmdline, "cgroup.memory=nokmem")) {
		snprintf(why, sizeof(why),
			 "cgroup.memory=nokmem: no kernel memory is charged");
		goto skip;
	}
	err = cgroup_mount(mnt, sizeof(mnt), &mounted);
	if (err) {
		snprintf(why, sizeof(why), "%s", err);
		goto skip;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
	if (sysfs_read_str(path, ctl, sizeof(ctl)) || !strstr(ctl, "memory")) {
		snprintf(why, sizeof(why),
			 "no memory controller in %s (CONFIG_MEMCG=n or cgroup v1)",
			 path);
		goto skip;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
	if (sysfs_read_str(path, ctl, sizeof(ctl)) || !strstr(ctl, "memory")) {
		if (sysfs_write(path, "+memory")) {
			snprintf(why, sizeof(why), "cannot enable +memory in %s",
				 path);
			goto skip;
		}
		enabled = true;
	}
	snprintf(cg, sizeof(cg), "%s/mmheap_test.%d", mnt, getpid());
	if (mkdir(cg, 0755)) {
		snprintf(why, sizeof(why), "mkdir %s: %s", cg, strerror(errno));
		goto skip;
	}
	made = true;
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	if (sysfs_write_u64(path, MEMCG_MAX)) {
		snprintf(why, sizeof(why), "cannot write %s", path);
		goto skip;
	}
	snprintf(path, sizeof(path), "%s/memory.swap.max", cg);
	sysfs_write(path, "0");

	/* Serve the buffers from the pool: pooled pages must be charged too. */
	if (!reset_pool(true) || !thread_running() ||
	    !set_u64("prefill_bytes", MEMCG_WANT) ||
	    state_wait("done", WAIT_MS, trail, sizeof(trail)))
		ksft_print_msg("prefill of %llu MiB not done (states %s)\n",
			       MEMCG_WANT / SZ_1M, trail);

	if (sysfs_write(MEM_ACCT_FILE, "Y") ||
	    !memcg_run(cg, &r, &status, &kills, &cg_kills)) {
		ksft_test_result_fail("mem_accounting=Y: cannot run the child\n");
		ksft_test_result_fail("mem_accounting=Y: the charge goes back: not run\n");
		goto restore;
	}
	first = r.allocated;
	ok = r.stage == 0 && r.err == ENOMEM && r.allocated >= MEMCG_PIECE &&
	     r.allocated < MEMCG_WANT && WIFEXITED(status) &&
	     !WEXITSTATUS(status) && kills == 0 && cg_kills <= 0;
	ksft_test_result(ok,
			 "mem_accounting=Y: cgroup with memory.max %llu MiB gets %s after %llu of %llu MiB (memory.current %lld), child %s, oom_kill +%lld, cgroup oom_kill %lld\n",
			 MEMCG_MAX / SZ_1M,
			 r.err > 0 ? strerror(r.err) : "no error",
			 (unsigned long long)(r.allocated / SZ_1M),
			 MEMCG_WANT / SZ_1M, r.current,
			 exit_desc(status, ex, sizeof(ex)), kills, cg_kills);

	/*
	 * The first child's buffers went back when it exited, before
	 * waitpid() returned: so did their charge, or a second child in
	 * the same cgroup would be refused at once.
	 */
	ok = memcg_run(cg, &r, &status, &kills, &cg_kills) && r.stage == 0 &&
	     r.err == ENOMEM && first >= 2 * MEMCG_PIECE &&
	     r.allocated + MEMCG_PIECE >= first && kills == 0 && cg_kills <= 0;
	ksft_test_result(ok,
			 "mem_accounting=Y: the charge goes back with the buffers: a second child in the cgroup gets %llu MiB, the first %llu\n",
			 (unsigned long long)(r.allocated / SZ_1M),
			 (unsigned long long)(first / SZ_1M));

	/* Not a requirement: what happens without accounting, for the record. */
	if (!sysfs_write(MEM_ACCT_FILE, "N") &&
	    memcg_run(cg, &r, &status, &kills, &cg_kills)) {
		ksft_print_msg("mem_accounting=N: the child got %llu of %llu MiB: %s\n",
			       (unsigned long long)(r.allocated / SZ_1M),
			       MEMCG_WANT / SZ_1M,
			       r.err > 0 ? strerror(r.err) : "no error");
		ksft_print_msg("mem_accounting=N: memory.current %lld, child %s\n",
			       r.current, exit_desc(status, ex, sizeof(ex)));
		ksft_print_msg("mem_accounting=N: oom_kill +%lld, cgroup oom_kill %lld\n",
			       kills, cg_kills);
	}
restore:
	sysfs_write(MEM_ACCT_FILE, acct0);
	set_u64("prefill_bytes", 0);
	goto cleanup;
skip:
	ksft_test_result_skip("memory cgroup limits mmheap buffers: %s\n", why);
	ksft_test_result_skip("memory cgroup charge goes back with the buffers: %s\n",
			      why);
cleanup:
	if (made) {
		long long deadline = now_ms() + SETTLE_MS;

		while (rmdir(cg) && errno == EBUSY && now_ms() < deadline)
			usleep(10000);
	}
	if (enabled) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
		sysfs_write(path, "-memory");
	}
	if (mounted)
		umount(mnt);
}

#define NR_INTERFACE	2	/* sysfs ABI, debugfs */
#define NR_BASIC	2	/* syntax, poll */
#define NR_PREFILLED	4
#define NR_MISSES	2
#define NR_ZERO		2
#define NR_CONSUMED	3
#define NR_BLOCKED	1
#define NR_FREE		2
#define NR_DECAY	3
#define NR_DRAIN	1
#define NR_THREAD	2	/* restart, policy */
#define NR_READS	1
#define NR_HOSTILE	3
#define NR_MEMCG	2

/* Every case of one heap, with its tunables saved and restored. */
static void run_heap(int heap_fd)
{
	have_debugfs = false;
	setup_debugfs();
	if (!have_debugfs)
		ksft_print_msg("%s: skipping what needs %s: %s\n", cur->name,
			       DEBUGFS_DIR, no_debugfs);
	save_state();
	/* Keep a prefill from decaying away while the test looks at it. */
	sysfs_write_u64("decay_ms", LONG_DECAY_MS);
	if (have_debugfs)
		thread_set(true);

	test_interface();
	test_prefill_syntax();
	test_prefill_poll();
	test_prefilled_alloc(heap_fd);
	test_misses(heap_fd);
	test_freed_come_back_zero(heap_fd);
	test_consumed_prefill(heap_fd);
	test_blocked();
	test_free_above_target(heap_fd);
	test_decay(heap_fd);
	test_drain_thread_stopped();
	test_thread_restart();
	test_sched_idle();
	test_reads_change_nothing();
	test_bad_writes();
	test_hostile_alloc(heap_fd);
	test_memcg();

	restore_state();
}

int main(void)
{
	unsigned int nr_heap = NR_INTERFACE + NR_BASIC + NR_PREFILLED +
			       NR_MISSES + NR_ZERO + NR_CONSUMED + NR_BLOCKED +
			       NR_FREE + NR_DECAY + NR_DRAIN + NR_THREAD +
			       NR_READS + ARRAY_SIZE(bad_writes) + NR_HOSTILE +
			       NR_MEMCG;
	unsigned int h, i;
	int heap_fd;

	ksft_print_header();

	if (access(SYSFS_TOP, F_OK))
		ksft_exit_skip("%s missing: kernel built without CONFIG_MMHEAP?\n",
			       SYSFS_TOP);
	if (geteuid())
		ksft_exit_skip("needs root to write %s\n", SYSFS_TOP);

	page_size = sysconf(_SC_PAGESIZE);
	ksft_set_plan(nr_heap * ARRAY_SIZE(heaps));

	for (h = 0; h < ARRAY_SIZE(heaps); h++) {
		cur = &heaps[h];
		ksft_print_msg("=== heap %s: %s, %s\n", cur->name, cur->dev,
			       cur->sysfs_dir);
		heap_fd = open(HEAP_PATH, O_RDONLY | O_CLOEXEC);
		if (heap_fd < 0) {
			/*
			 * Only an architecture that cannot keep the pages out
			 * of the CPU caches has no uncached pool, and then no
			 * directory for it either; a pool without its heap
			 * fails.
			 */
			int err = errno;
			bool absent = h && access(SYSFS_DIR, F_OK);

			for (i = 0; i < nr_heap; i++) {
				if (absent)
					ksft_test_result_skip("no %s on this architecture\n",
							      cur->name);
				else
					ksft_test_result_fail("cannot open %s: %s\n",
							      HEAP_PATH,
							      strerror(err));
			}
			continue;
		}
		run_heap(heap_fd);
		close(heap_fd);
	}

	if (mounted_debugfs)
		umount(DEBUGFS_MNT);
	ksft_finished();
}
