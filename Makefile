# SPDX-License-Identifier: GPL-2.0
# mmheap: the series in patches/, the harness in harness/.
# Variables: CACHE (default /var/cache/mmheap), KERNEL_TREE (your own v6.12.y
# git tree instead of Debian's tarball), ACCEL (auto|tcg|kvm), JOBS.
H := harness

.PHONY: help deps base apply export verify checkpatch build kernel boot boot-rt boot-debug kunit \
	kunit-x86 docs test demo bench selftest boot-defconfig

help:
	@echo "make test        every test (same as: bash harness/test.sh)"
	@echo "make demo        build, boot and show the heap (same as: bash harness/demo.sh)"
	@echo "make bench       mmheap against the system heap, in QEMU and natively (UML)"
	@echo "make base        pinned base tree in \$$CACHE (or KERNEL_TREE=...)"
	@echo "make apply       git am patches/ onto the base"
	@echo "make export      branch 'mmheap' -> patches/ and the mirrored files"
	@echo "make verify      prove patches/ and the mirrored files agree"
	@echo "make checkpatch  checkpatch --strict on every patch"
	@echo "make build       build every patch (W=1, sparse), ending at the guest kernel"
	@echo "make kernel      build only the series head"
	@echo "make boot        kselftests in QEMU"
	@echo "make boot-rt     the same on a PREEMPT_RT build of the guest"
	@echo "make boot-debug  the same on the PREEMPT_RT debug guest (KASAN, kmemleak, ...)"
	@echo "make boot-defconfig  make defconfig mmheap.config, build (36 min cold), boot, test"
	@echo "make kunit       KUnit on UML (kunit-x86: on x86_64 in QEMU)"
	@echo "make docs        htmldocs and kernel-doc, warnings against the base"
	@echo "make selftest    the harness's own tests: deps.sh against stand-ins, shellcheck"

deps:
	bash $(H)/deps.sh
base: deps
	bash $(H)/base.sh
apply: base
	bash $(H)/series.sh apply
export:
	bash $(H)/series.sh export
verify: base
	bash $(H)/series.sh verify-quiet
checkpatch: apply
	bash $(H)/series.sh checkpatch
build: apply
	bash $(H)/build.sh bisect
kernel: apply
	bash $(H)/build.sh head
boot:
	bash $(H)/guest.sh test
boot-rt:
	bash $(H)/build.sh rt
	GUEST_KERNEL=lean-rt bash $(H)/guest.sh test

boot-debug:
	bash $(H)/build.sh debug-rt
	GUEST_KERNEL=lean-debug-rt bash $(H)/guest.sh test
boot-defconfig: apply
	bash $(H)/build.sh defconfig
	GUEST_KERNEL=defconfig bash $(H)/guest.sh test
kunit:
	bash $(H)/kunit.sh
kunit-x86:
	KUNIT_ARCH=x86_64 bash $(H)/kunit.sh
docs:
	bash $(H)/docs.sh
test:
	bash $(H)/test.sh
demo:
	bash $(H)/demo.sh
bench: apply
	bash $(H)/bench.sh
selftest:
	bash $(H)/selftest/deps-test.sh; rc=$$?; bash $(H)/selftest/shellcheck.sh || rc=1; exit $$rc
