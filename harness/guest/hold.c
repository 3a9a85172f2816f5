// SPDX-License-Identifier: GPL-2.0
/*
 * mmheap-hold: allocate buffers from a DMA-BUF heap, run a command while
 * holding them, then free them. The demo uses it to show the pool's state
 * while a stream's buffers are alive, with nothing else in between.
 *
 *   mmheap-hold HEAP COUNT MIB COMMAND [ARG...]
 *
 * Prints how long the COUNT allocations took. Exits with COMMAND's status
 * (127 if it cannot be run, as a shell does), or 1 if an allocation fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#define MAX_BUFS 64

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int fds[MAX_BUFS], heap, status, i, n;
	unsigned long mib;
	char path[128];
	double t0, t1;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: %s HEAP COUNT MIB COMMAND [ARG...]\n", argv[0]);
		return 1;
	}
	n = atoi(argv[2]);
	mib = strtoul(argv[3], NULL, 0);
	if (n < 1 || n > MAX_BUFS || !mib) {
		fprintf(stderr, "mmheap-hold: COUNT must be 1-%d and MIB above 0\n", MAX_BUFS);
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", argv[1]);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0) {
		fprintf(stderr, "mmheap-hold: %s: %s\n", path, strerror(errno));
		return 1;
	}
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		struct dma_heap_allocation_data data = {
			.len = (unsigned long long)mib << 20,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data)) {
			fprintf(stderr, "mmheap-hold: buffer %d of %lu MiB: %s\n",
				i, mib, strerror(errno));
			return 1;
		}
		fds[i] = data.fd;
	}
	t1 = now_ms();
	printf("  holding %d x %lu MiB from %s, allocated in %.1f ms\n", n, mib,
	       argv[1], t1 - t0);
	fflush(stdout);

	pid = fork();
	if (pid < 0) {
		perror("mmheap-hold: fork");
		return 1;
	}
	if (!pid) {
		execvp(argv[4], &argv[4]);
		fprintf(stderr, "mmheap-hold: %s: %s\n", argv[4], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("mmheap-hold: waitpid");
		return 1;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(heap);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
