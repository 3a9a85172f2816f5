/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mmheap

#if !defined(_MMHEAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MMHEAP_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(mmheap_alloc,
	    TP_PROTO(unsigned long size, unsigned long pool_bytes,
		     unsigned long buddy_bytes, u64 ns),
	    TP_ARGS(size, pool_bytes, buddy_bytes, ns),
	    TP_STRUCT__entry(__field(unsigned long, size)
			     __field(unsigned long, pool_bytes)
			     __field(unsigned long, buddy_bytes)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->size = size;
			   __entry->pool_bytes = pool_bytes;
			   __entry->buddy_bytes = buddy_bytes;
			   __entry->ns = ns;),
	    TP_printk("size=%lu pool_bytes=%lu buddy_bytes=%lu ns=%llu",
		      __entry->size, __entry->pool_bytes,
		      __entry->buddy_bytes, __entry->ns)
);

TRACE_EVENT(mmheap_free,
	    TP_PROTO(unsigned long size),
	    TP_ARGS(size),
	    TP_STRUCT__entry(__field(unsigned long, size)),
	    TP_fast_assign(__entry->size = size;),
	    TP_printk("size=%lu", __entry->size)
);

TRACE_EVENT(mmheap_refill,
	    TP_PROTO(const char *pool, unsigned long zeroed_pages,
		     unsigned long added_pages, unsigned long trimmed_pages,
		     unsigned long pool_pages),
	    TP_ARGS(pool, zeroed_pages, added_pages, trimmed_pages,
		    pool_pages),
	    TP_STRUCT__entry(__string(pool, pool)
			     __field(unsigned long, zeroed_pages)
			     __field(unsigned long, added_pages)
			     __field(unsigned long, trimmed_pages)
			     __field(unsigned long, pool_pages)),
	    TP_fast_assign(__assign_str(pool);
			   __entry->zeroed_pages = zeroed_pages;
			   __entry->added_pages = added_pages;
			   __entry->trimmed_pages = trimmed_pages;
			   __entry->pool_pages = pool_pages;),
	    TP_printk("pool=%s zeroed=%lu added=%lu trimmed=%lu pool_pages=%lu",
		      __get_str(pool), __entry->zeroed_pages,
		      __entry->added_pages, __entry->trimmed_pages,
		      __entry->pool_pages)
);

TRACE_EVENT(mmheap_shrink,
	    TP_PROTO(const char *pool, unsigned long nr_to_scan,
		     unsigned long freed),
	    TP_ARGS(pool, nr_to_scan, freed),
	    TP_STRUCT__entry(__string(pool, pool)
			     __field(unsigned long, nr_to_scan)
			     __field(unsigned long, freed)),
	    TP_fast_assign(__assign_str(pool);
			   __entry->nr_to_scan = nr_to_scan;
			   __entry->freed = freed;),
	    TP_printk("pool=%s nr_to_scan=%lu freed=%lu",
		      __get_str(pool), __entry->nr_to_scan, __entry->freed)
);

#endif /* _MMHEAP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mmheap_trace
#include <trace/define_trace.h>
