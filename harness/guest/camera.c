// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap-camera: a camera pipeline as a HAL runs it, with vivid (the kernel's
 * virtual camera) as the device. For each heap and mode it opens the camera,
 * sets 3840x2160 NV12 (the largest frame vivid's webcam input offers), asks
 * for N V4L2_MEMORY_DMABUF capture buffers, allocates them from the heap,
 * queues them, starts streaming and dequeues frames. vivid imports each
 * buffer (attach, map, vmap: vb2-vmalloc) and draws its test pattern, 75%
 * colour bars, into it. Every frame dequeued is read through the heap's own
 * mmap, between DMA_BUF_IOCTL_SYNC calls, and must hold the eight bars, each
 * darker than the last.
 *
 * Modes: "prefilled" asks the heap's pool for N buffers' worth and waits for
 * prefill_state to say "done" (poll() and POLLPRI, as a HAL would) before
 * the camera is opened, and every 1 MiB chunk of the buffers must then come
 * from the pool; "empty" drains the pool first, and no chunk may. The system heap has
 * no pool: its mode is "plain".
 *
 * The figure this heap exists for is timed: from open() of the camera to
 * the first frame dequeued ("first_frame_ns"), and within it the time spent
 * allocating the N buffers ("alloc_ns").
 *
 * Output: one TAP line per heap and mode, and "camera" lines with the raw
 * figures of every round (harness/bench/table.py reads them).
 *   mmheap-camera [-n buffers] [-r rounds] [-f frames] [heap...]
 * CAMERA_ROUNDS in the environment sets the default number of rounds.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/videodev2.h>

#define WIDTH		3840
#define HEIGHT		2160
#define MAX_BUFS	32
#define WAIT_MS		60000
#define SYSFS		"/sys/kernel/mm/mmheap/"

static int tap_n;
static int failures;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

/* The sysfs directory of a heap's pool, or NULL for a heap without one. */
static const char *pool_dir(const char *heap)
{
	if (!strcmp(heap, "mmheap"))
		return SYSFS;
	if (!strcmp(heap, "mmheap-uncached"))
		return SYSFS "uncached/";
	return NULL;
}

static int write_str(const char *dir, const char *name, const char *val)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int read_str(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static long long read_ll(const char *dir, const char *name)
{
	char path[256], buf[64];
	int fd;

	snprintf(path, sizeof(path), "%s%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read_str(fd, buf, sizeof(buf))) {
		close(fd);
		return -1;
	}
	close(fd);
	return atoll(buf);
}

/*
 * Ask @dir's pool for @bytes and wait, with poll() on prefill_state, until
 * the state says "done". Returns 0, or a negative errno with @why set.
 */
static int prefill(const char *dir, uint64_t bytes, const char **why)
{
	char path[256], val[32], st[32];
	uint64_t deadline = now_ns() + WAIT_MS * 1000000ULL;
	struct pollfd pfd;
	int ret;

	snprintf(path, sizeof(path), "%sprefill_state", dir);
	pfd.fd = open(path, O_RDONLY);
	if (pfd.fd < 0) {
		*why = "cannot open prefill_state";
		return -errno;
	}
	pfd.events = POLLPRI;
	read_str(pfd.fd, st, sizeof(st));
	snprintf(val, sizeof(val), "%llu", (unsigned long long)bytes);
	ret = write_str(dir, "prefill_bytes", val);
	if (ret) {
		*why = "prefill_bytes refused the request";
		goto out;
	}
	for (;;) {
		ret = read_str(pfd.fd, st, sizeof(st));
		if (ret) {
			*why = "cannot read prefill_state";
			break;
		}
		if (!strcmp(st, "done"))
			break;
		if (strcmp(st, "pending")) {
			*why = "the prefill ended without being done";
			ret = -EIO;
			break;
		}
		if (now_ns() >= deadline) {
			*why = "the prefill was not done in time";
			ret = -ETIMEDOUT;
			break;
		}
		poll(&pfd, 1, 1000);
	}
out:
	close(pfd.fd);
	return ret;
}

/* Cancel any request and wait for @dir's pool to hold nothing. */
static int drain(const char *dir, const char **why)
{
	uint64_t deadline = now_ns() + WAIT_MS * 1000000ULL;
	struct timespec tick = { 0, 10000000 };

	if (write_str(dir, "prefill_bytes", "0") ||
	    write_str(dir, "low_watermark_bytes", "0")) {
		*why = "cannot cancel the pool's request";
		return -EIO;
	}
	/* Only frees and the decay worker can empty it: poll the level. */
	while (read_ll(dir, "total_pools_kb") > 0) {
		if (now_ns() >= deadline) {
			*why = "the pool did not drain";
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

/* The first video capture node of vivid, or -1. */
static int open_vivid(char *name, size_t len)
{
	struct v4l2_capability cap;
	struct dirent *d;
	DIR *dev;
	int fd = -1;

	dev = opendir("/dev");
	if (!dev)
		return -1;
	while ((d = readdir(dev))) {
		if (strncmp(d->d_name, "video", 5))
			continue;
		snprintf(name, len, "/dev/%s", d->d_name);
		fd = open(name, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!xioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (cap.device_caps & V4L2_CAP_STREAMING))
			break;
		close(fd);
		fd = -1;
	}
	closedir(dev);
	return fd;
}

struct round {
	uint64_t open_to_frame_ns;
	uint64_t alloc_ns;
	unsigned int frames_ok;
	const char *why;
};

/*
 * Check a frame: in the middle rows (vivid writes its text at the top), the
 * mean luma of each of the eight bars is below the one before it, the first
 * is light and the last dark. Returns NULL or what is wrong.
 */
static const char *check_frame(const uint8_t *y, unsigned int stride,
			       unsigned int width, unsigned int height)
{
	static char why[128];
	unsigned int bar = width / 8, b, r, x;
	double mean[8];

	for (b = 0; b < 8; b++) {
		uint64_t sum = 0, n = 0;

		for (r = height / 2; r < height / 2 + 64; r++)
			for (x = b * bar + bar / 4; x < b * bar + 3 * bar / 4; x++) {
				sum += y[(size_t)r * stride + x];
				n++;
			}
		mean[b] = (double)sum / n;
	}
	for (b = 1; b < 8; b++) {
		if (mean[b] >= mean[b - 1]) {
			snprintf(why, sizeof(why),
				 "bar %u (luma %.1f) not darker than bar %u (%.1f)",
				 b, mean[b], b - 1, mean[b - 1]);
			return why;
		}
	}
	if (mean[0] < 150 || mean[7] > 40) {
		snprintf(why, sizeof(why), "bars from luma %.1f to %.1f, not light to dark",
			 mean[0], mean[7]);
		return why;
	}
	return NULL;
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return xioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/*
 * One camera start: open, format, buffers from @heap_fd, stream, @frames
 * frames dequeued and checked, stop, close.
 */
static void run_round(int heap_fd, unsigned int nbufs, unsigned int frames,
		      struct round *res)
{
	struct v4l2_requestbuffers req = { 0 };
	struct v4l2_streamparm parm = { 0 };
	struct v4l2_format fmt = { 0 };
	int fds[MAX_BUFS], vfd = -1, type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	void *maps[MAX_BUFS] = { 0 };
	unsigned int i, stride, len = 0, got = 0;
	bool streaming = false;
	char node[300];
	uint64_t t0, t1;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < MAX_BUFS; i++)
		fds[i] = -1;

	t0 = now_ns();
	vfd = open_vivid(node, sizeof(node));
	if (vfd < 0) {
		res->why = "no vivid capture device";
		return;
	}
	fmt.type = type;
	fmt.fmt.pix.width = WIDTH;
	fmt.fmt.pix.height = HEIGHT;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_NV12;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(vfd, VIDIOC_S_FMT, &fmt) ||
	    fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_NV12 ||
	    fmt.fmt.pix.width != WIDTH || fmt.fmt.pix.height != HEIGHT) {
		res->why = "vivid refused 3840x2160 NV12";
		goto out;
	}
	stride = fmt.fmt.pix.bytesperline;
	len = (fmt.fmt.pix.sizeimage + 4095) & ~4095u;
	/* The fastest rate vivid gives 2160p: 15 frames per second. */
	parm.type = type;
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = 15;
	xioctl(vfd, VIDIOC_S_PARM, &parm);

	req.count = nbufs;
	req.type = type;
	req.memory = V4L2_MEMORY_DMABUF;
	if (xioctl(vfd, VIDIOC_REQBUFS, &req) || req.count != nbufs) {
		res->why = "VIDIOC_REQBUFS (DMABUF) failed";
		goto out;
	}
	t1 = now_ns();
	for (i = 0; i < nbufs; i++) {
		struct dma_heap_allocation_data data = {
			.len = len,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (xioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data)) {
			res->why = "the heap refused a buffer";
			goto out;
		}
		fds[i] = data.fd;
	}
	res->alloc_ns = now_ns() - t1;
	for (i = 0; i < nbufs; i++) {
		struct v4l2_buffer buf = {
			.index = i,
			.type = type,
			.memory = V4L2_MEMORY_DMABUF,
			.m.fd = fds[i],
			.length = len,
		};

		if (xioctl(vfd, VIDIOC_QBUF, &buf)) {
			res->why = "VIDIOC_QBUF of a heap buffer failed";
			goto out;
		}
	}
	if (xioctl(vfd, VIDIOC_STREAMON, &type)) {
		res->why = "VIDIOC_STREAMON failed";
		goto out;
	}
	streaming = true;

	for (got = 0; got < frames; got++) {
		struct v4l2_buffer buf = {
			.type = type,
			.memory = V4L2_MEMORY_DMABUF,
		};
		struct pollfd pfd = { .fd = vfd, .events = POLLIN };
		const char *bad;

		if (poll(&pfd, 1, WAIT_MS) != 1 ||
		    xioctl(vfd, VIDIOC_DQBUF, &buf)) {
			res->why = "no frame from vivid";
			goto out;
		}
		if (!got)
			res->open_to_frame_ns = now_ns() - t0;
		if (buf.index >= nbufs || (buf.flags & V4L2_BUF_FLAG_ERROR) ||
		    buf.bytesused < stride * HEIGHT) {
			res->why = "vivid returned a bad buffer";
			goto out;
		}
		if (!maps[buf.index]) {
			maps[buf.index] = mmap(NULL, len, PROT_READ, MAP_SHARED,
					       fds[buf.index], 0);
			if (maps[buf.index] == MAP_FAILED) {
				maps[buf.index] = NULL;
				res->why = "mmap of a heap buffer failed";
				goto out;
			}
		}
		sync_buf(fds[buf.index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		bad = check_frame(maps[buf.index], stride, WIDTH, HEIGHT);
		sync_buf(fds[buf.index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		if (bad) {
			res->why = bad;
			goto out;
		}
		res->frames_ok++;
		if (xioctl(vfd, VIDIOC_QBUF, &buf)) {
			res->why = "VIDIOC_QBUF after a frame failed";
			goto out;
		}
	}
out:
	if (streaming)
		xioctl(vfd, VIDIOC_STREAMOFF, &type);
	if (vfd >= 0) {
		/* Release vivid's references to the buffers. */
		memset(&req, 0, sizeof(req));
		req.type = type;
		req.memory = V4L2_MEMORY_DMABUF;
		xioctl(vfd, VIDIOC_REQBUFS, &req);
		close(vfd);
	}
	for (i = 0; i < MAX_BUFS; i++) {
		if (maps[i])
			munmap(maps[i], len);
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run_case(const char *heap, const char *mode, unsigned int nbufs,
		     unsigned int rounds, unsigned int frames)
{
	const char *dir = pool_dir(heap), *why = NULL;
	uint64_t bytes = (uint64_t)nbufs * (((WIDTH * HEIGHT * 3 / 2) + 4095) & ~4095u);
	uint64_t first[64], alloc[64];
	long long hits0 = 0, misses0 = 0, hits = 0, misses = 0;
	char path[128];
	unsigned int r;
	int heap_fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	heap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0) {
		printf("ok %d camera %s %s # SKIP no %s\n", ++tap_n, heap, mode, path);
		return;
	}
	if (rounds > 64)
		rounds = 64;
	for (r = 0; r < rounds && !why; r++) {
		struct round res;
		int ret = 0;

		if (dir) {
			ret = !strcmp(mode, "prefilled") ? prefill(dir, bytes, &why) :
							    drain(dir, &why);
			hits0 = read_ll(dir, "hits");
			misses0 = read_ll(dir, "misses");
		}
		if (ret)
			break;
		run_round(heap_fd, nbufs, frames, &res);
		if (dir) {
			hits += read_ll(dir, "hits") - hits0;
			misses += read_ll(dir, "misses") - misses0;
			/* The camera is closed: no request left behind. */
			write_str(dir, "prefill_bytes", "0");
		}
		if (res.why) {
			why = res.why;
			break;
		}
		first[r] = res.open_to_frame_ns;
		alloc[r] = res.alloc_ns;
		printf("camera heap=%s mode=%s round=%u buffers=%u buffer_bytes=%llu first_frame_ns=%llu alloc_ns=%llu frames=%u\n",
		       heap, mode, r, nbufs,
		       (unsigned long long)(bytes / nbufs),
		       (unsigned long long)res.open_to_frame_ns,
		       (unsigned long long)res.alloc_ns, res.frames_ok);
	}
	close(heap_fd);
	if (why) {
		printf("not ok %d camera %s %s: round %u: %s\n", ++tap_n, heap,
		       mode, r, why);
		failures++;
		return;
	}
	/*
	 * A prefilled start takes every 1 MiB chunk from the pool (the
	 * refill fills a request with the largest chunks; the tail of a
	 * buffer that is not a whole number of MiB is made of smaller
	 * chunks, which the pool may not hold), an empty one none.
	 */
	if (dir && !strcmp(mode, "prefilled") &&
	    hits < (long long)rounds * nbufs * (long long)((bytes / nbufs) >> 20)) {
		printf("not ok %d camera %s %s: %lld chunks from the prefilled pool, fewer than the %llu MiB chunks of the buffers (%lld missed)\n",
		       ++tap_n, heap, mode, hits,
		       (unsigned long long)rounds * nbufs * ((bytes / nbufs) >> 20),
		       misses);
		failures++;
		return;
	}
	if (dir && !strcmp(mode, "empty") && hits) {
		printf("not ok %d camera %s %s: %lld chunks came from a drained pool\n",
		       ++tap_n, heap, mode, hits);
		failures++;
		return;
	}
	qsort(first, rounds, sizeof(*first), cmp_u64);
	qsort(alloc, rounds, sizeof(*alloc), cmp_u64);
	printf("ok %d camera %s %s: %u x %llu B NV12 %ux%u, %u rounds of %u frames with vivid's colour bars; open to first frame p50 %.1f ms, of which allocation %.2f ms",
	       ++tap_n, heap, mode, nbufs, (unsigned long long)(bytes / nbufs),
	       WIDTH, HEIGHT, rounds, frames, first[rounds / 2] / 1e6,
	       alloc[rounds / 2] / 1e6);
	if (dir)
		printf("; pool hits %lld, misses %lld", hits, misses);
	printf("\n");
}

int main(int argc, char **argv)
{
	static const char * const all[] = { "system", "mmheap", "mmheap-uncached" };
	unsigned int nbufs = 8, rounds = 3, frames = 4;
	const char * const *heaps = all;
	int nheaps = 3, opt, i, vfd;
	char node[300];

	/* The debug guest (KASAN under TCG) asks for fewer: CAMERA_ROUNDS=. */
	if (getenv("CAMERA_ROUNDS"))
		rounds = atoi(getenv("CAMERA_ROUNDS"));
	while ((opt = getopt(argc, argv, "n:r:f:")) != -1) {
		switch (opt) {
		case 'n':
			nbufs = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'f':
			frames = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n buffers] [-r rounds] [-f frames] [heap...]\n",
				argv[0]);
			return 2;
		}
	}
	if (!nbufs || nbufs > MAX_BUFS || !rounds || !frames) {
		fprintf(stderr, "%s: 1 to %d buffers, at least one round and frame\n",
			argv[0], MAX_BUFS);
		return 2;
	}
	if (optind < argc) {
		heaps = (const char * const *)&argv[optind];
		nheaps = argc - optind;
	}

	printf("TAP version 13\n");
	vfd = open_vivid(node, sizeof(node));
	if (vfd < 0) {
		printf("ok 1 camera # SKIP no vivid capture device (CONFIG_VIDEO_VIVID off?)\n1..1\n");
		return 4;
	}
	close(vfd);
	printf("# vivid capture device: %s\n", node);
	for (i = 0; i < nheaps; i++) {
		if (pool_dir(heaps[i])) {
			run_case(heaps[i], "prefilled", nbufs, rounds, frames);
			run_case(heaps[i], "empty", nbufs, rounds, frames);
		} else {
			run_case(heaps[i], "plain", nbufs, rounds, frames);
		}
	}
	printf("1..%d\n", tap_n);
	return failures ? 1 : 0;
}
