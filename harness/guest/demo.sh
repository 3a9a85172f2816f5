#!/bin/sh
# Placeholder, replaced below.
ls -l /dev/dma_heap
