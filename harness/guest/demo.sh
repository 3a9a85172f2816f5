#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a camera HAL does with mmheap, step by step, in the guest.
M=/sys/kernel/mm/mmheap
show() {
	printf '  total_pools_kb=%s hits=%s misses=%s zeroed_bytes=%s prefill_bytes=%s prefill_state=%s\n' \
		"$(cat $M/total_pools_kb)" "$(cat $M/hits)" "$(cat $M/misses)" \
		"$(cat $M/zeroed_bytes)" "$(cat $M/prefill_bytes)" "$(cat $M/prefill_state)"
}
# 'demo.sh show': the pool's state, run by mmheap-hold while it holds buffers.
if [ "${1:-}" = show ]; then
	show
	exit 0
fi
# wait_state WORD: poll prefill_state for up to 60 s; say how long it took.
wait_state() {
	i=0
	while [ "$(cat $M/prefill_state)" != "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "  prefill_state '$(cat $M/prefill_state)' after about $((i / 10)).$((i % 10)) s"
}
echo "== heaps in /dev/dma_heap:"
ls /dev/dma_heap
if [ ! -d $M ]; then
	echo "no mmheap in this kernel: the system heap only"
	/bench/heapbench -s 1,4 -n 5 system 2>&1 | grep -E '^(result|error)'
	exit 0
fi
for p in /proc/[0-9]*; do
	case "$(cat "$p/comm" 2>/dev/null)" in mmheap*)
		echo "== refill thread: $(cat "$p/comm") pid ${p#/proc/}, $(grep -E '^policy' "$p/sched" | tr -s ' ') (5 = SCHED_IDLE)"
	esac
done
echo "== idle pool:"
show
echo "== camera HAL: echo 64M > $M/prefill_bytes, then wait for prefill_state 'done'"
echo 64M >$M/prefill_bytes
wait_state "done"
show
echo "== stream start: the 64 MiB allocations, timed (pool hit vs system heap):"
/bench/heapbench -s 64 -n 3 mmheap-prefilled system 2>&1 | grep -E '^(result|error|stats)'
# heapbench prefills before each timed allocation, and each allocation
# consumes its prefill; on exit it writes back the HAL's request it found.
echo "== after the stream: heapbench put the HAL's 64 MiB request back on exit; the pool holds that and nothing more"
show
echo "== bad input is refused:"
for v in abc -1 12abc 99999999999999999999999; do
	if echo "$v" >$M/prefill_bytes 2>/dev/null; then r=accepted; else r=refused; fi
	echo "  prefill_bytes <- '$v': $r"
done
echo "== a prefill nobody uses: request 32M, then cancel it; the pool drains"
echo 32M >$M/prefill_bytes
echo 0 >$M/prefill_bytes
show
echo "== a prefill is consumed: the HAL asks for 96M, then the stream takes 8 x 12 MiB and holds them"
echo 96M >$M/prefill_bytes
wait_state "done"
show
echo "  while the stream holds its buffers (the request is used up, nothing is refilled):"
/bench/mmheap-hold mmheap 8 12 /bin/sh /bench/demo.sh show
echo "== the stream stopped: with no request and no low watermark its 96 MiB went back to the page allocator"
show
