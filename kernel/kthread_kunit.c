// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the kernel thread lifecycle
 *
 * The cases check the behaviour that Documentation/core-api/kthread.rst
 * describes. A case that fails means the guide is wrong for this kernel.
 *
 * Every wait is bounded. What must happen is given KTHREAD_TEST_TIMEOUT;
 * only what must not happen is watched for the short KTHREAD_TEST_QUIET_MS.
 * kthread_stop(), kthread_cancel_work_sync() and the like have no timeout of
 * their own, so a case whose claim is that one of them returns, or does not
 * return yet, calls it from a helper thread (kthread_test_call()) and then
 * releases the thread it waits for, so that a false claim fails the case
 * instead of hanging the run.
 *
 * The freezer cases freeze their own threads as the PM freezer does, with
 * freeze_task() and __thaw_task(), which are not exported: they run only
 * when the suite is built in.
 *
 * Copyright (C) 2025 mmheap developers
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/freezer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/wait.h>
#include <uapi/linux/sched/types.h>

#if IS_BUILTIN(CONFIG_KTHREAD_KUNIT_TEST) && IS_ENABLED(CONFIG_FREEZER)
#define KTHREAD_TEST_FREEZER
#endif

/* Long enough to be sure that what should not happen did not happen. */
#define KTHREAD_TEST_QUIET	msecs_to_jiffies(100)
/* Long enough for anything that should happen to have happened. */
#define KTHREAD_TEST_TIMEOUT	msecs_to_jiffies(10000)
/* A result no kthread code path returns by itself. */
#define KTHREAD_TEST_RESULT	(-EXDEV)

/* How the thread of kthread_test_wait_fn() waits for ctx->go. */
enum kthread_test_wait {
	KTHREAD_TEST_IDLE,		/* wait_event_idle(), stop included */
	KTHREAD_TEST_IDLE_NO_STOP,	/* the same, without the stop */
	KTHREAD_TEST_UNINTERRUPTIBLE,	/* wait_event(), without the stop */
	KTHREAD_TEST_KILLABLE,		/* wait_event_killable(), without */
	KTHREAD_TEST_INTERRUPTIBLE,	/* the vendor loop: interruptible, without */
	KTHREAD_TEST_MSLEEP,		/* a polling loop with msleep() */
	KTHREAD_TEST_FREEZABLE,		/* wait_event_freezable() */
};

struct kthread_test_ctx {
	struct completion started;
	struct completion tick;
	struct completion done;
	wait_queue_head_t wq;
	enum kthread_test_wait how;
	bool go;
	atomic_t ran;
	atomic_t loops;
	atomic_t parks;
	atomic_t unparks;
	int wait_ret;
	bool should_stop_early;
	bool should_stop_late;
	bool sigpending_late;
	bool task_sigpending_late;
	bool mm_null;
	bool pf_kthread;
	bool nofreeze_before;
	bool nofreeze_after;
	bool was_frozen;
	bool allow_usr1;
	int setattr_ret;
};

static struct kthread_test_ctx *kthread_test_ctx_alloc(struct kunit *test)
{
	struct kthread_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	init_completion(&ctx->started);
	init_completion(&ctx->tick);
	init_completion(&ctx->done);
	init_waitqueue_head(&ctx->wq);
	atomic_set(&ctx->ran, 0);
	atomic_set(&ctx->loops, 0);
	atomic_set(&ctx->parks, 0);
	atomic_set(&ctx->unparks, 0);
	return ctx;
}

static bool kthread_test_wait(struct completion *c)
{
	return wait_for_completion_timeout(c, KTHREAD_TEST_TIMEOUT) != 0;
}

/* True if @c completes within the quiet window, which it should not. */
static bool kthread_test_too_soon(struct completion *c)
{
	return wait_for_completion_timeout(c, KTHREAD_TEST_QUIET) != 0;
}

/* The "unrelated request" that ends a wait lacking kthread_should_stop(). */
static void kthread_test_release(void *arg)
{
	struct kthread_test_ctx *ctx = arg;

	WRITE_ONCE(ctx->go, true);
	wake_up(&ctx->wq);
}

struct kthread_test_call {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	struct completion done;
};

static int kthread_test_call_fn(void *data)
{
	struct kthread_test_call *call = data;

	call->ret = call->fn(call->arg);
	kthread_complete_and_exit(&call->done, 0);
}

enum kthread_test_outcome {
	KTHREAD_TEST_RETURNED,		/* within the time given */
	KTHREAD_TEST_RELEASED,		/* only once released */
	KTHREAD_TEST_STUCK,		/* not even then */
};

/*
 * Call @fn(@arg) in a helper thread and wait up to @timeout for it to
 * return. If it has not, call @release(@rarg), which must make it return,
 * and wait again. *@ret gets what @fn returned. A helper that is stuck even
 * then is left behind with its memory, and the case fails.
 */
static enum kthread_test_outcome
kthread_test_call(struct kunit *test, int (*fn)(void *arg), void *arg,
		  unsigned long timeout, void (*release)(void *rarg),
		  void *rarg, int *ret)
{
	struct kthread_test_call *call;
	struct task_struct *helper;
	enum kthread_test_outcome outcome = KTHREAD_TEST_RETURNED;

	call = kzalloc(sizeof(*call), GFP_KERNEL);
	helper = call ? kthread_create(kthread_test_call_fn, call,
				       "kthread_test_call") : ERR_PTR(-ENOMEM);
	if (IS_ERR(helper)) {
		kfree(call);
		KUNIT_FAIL(test, "cannot start a helper: %ld", PTR_ERR(helper));
		if (release)
			release(rarg);
		*ret = fn(arg);
		return KTHREAD_TEST_STUCK;
	}
	call->fn = fn;
	call->arg = arg;
	init_completion(&call->done);
	wake_up_process(helper);

	if (!wait_for_completion_timeout(&call->done, timeout)) {
		outcome = KTHREAD_TEST_RELEASED;
		if (release)
			release(rarg);
		if (!kthread_test_wait(&call->done)) {
			KUNIT_FAIL(test, "still waiting after the release");
			*ret = 0;
			return KTHREAD_TEST_STUCK;
		}
	}
	*ret = call->ret;
	kfree(call);
	return outcome;
}

static int kthread_test_do_stop(void *t)
{
	return kthread_stop(t);
}

/*
 * kthread_stop(@t) in a helper thread; see kthread_test_call(). The caller
 * holds a reference on @t, taken before @t could exit, as a released thread
 * may return on its own before the stop; it is dropped here.
 */
static enum kthread_test_outcome
kthread_test_stop(struct kunit *test, struct task_struct *t,
		  unsigned long timeout, void (*release)(void *rarg),
		  void *rarg, int *ret)
{
	enum kthread_test_outcome outcome;

	outcome = kthread_test_call(test, kthread_test_do_stop, t, timeout,
				    release, rarg, ret);
	if (outcome != KTHREAD_TEST_STUCK)
		put_task_struct(t);
	return outcome;
}

/* The canonical loop: state first, then the test, then schedule(). */
static int kthread_test_loop_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	atomic_inc(&ctx->ran);
	ctx->should_stop_early = kthread_should_stop();
	ctx->mm_null = !current->mm;
	ctx->pf_kthread = current->flags & PF_KTHREAD;
	complete(&ctx->started);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		atomic_inc(&ctx->loops);
		complete(&ctx->tick);
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	ctx->should_stop_late = true;
	ctx->sigpending_late = signal_pending(current);
	ctx->task_sigpending_late = task_sigpending(current);
	return KTHREAD_TEST_RESULT;
}

static void kthread_test_create_sleeps(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_create(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	KUNIT_EXPECT_EQ(test, READ_ONCE(t->__state), TASK_UNINTERRUPTIBLE);
	KUNIT_EXPECT_FALSE(test, kthread_test_too_soon(&ctx->started));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->ran), 0);

	wake_up_process(t);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->ran), 1);
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
}

static void kthread_test_defaults(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_create(kthread_test_loop_fn, ctx, "kthread_test/%d", 7);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	KUNIT_EXPECT_STREQ(test, t->comm, "kthread_test/7");
	KUNIT_EXPECT_TRUE(test, t->flags & PF_KTHREAD);
	KUNIT_EXPECT_TRUE(test, t->flags & PF_NOFREEZE);
	KUNIT_EXPECT_NULL(test, t->mm);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_NORMAL);
#if IS_BUILTIN(CONFIG_KTHREAD_KUNIT_TEST)
	/* The nice value is kthreadd's, not reset to 0. */
	KUNIT_EXPECT_EQ(test, task_nice(t), task_nice(kthreadd_task));
#endif

	wake_up_process(t);
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_TRUE(test, ctx->mm_null);
	KUNIT_EXPECT_TRUE(test, ctx->pf_kthread);
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
}

static void kthread_test_name_truncated(struct kunit *test)
{
	static const char name[] =
		"kthread_test_with_a_name_longer_than_the_63_characters_proc_shows";
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;
	char full[64] __maybe_unused;

	t = kthread_create(kthread_test_loop_fn, ctx, "%s", name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, strlen(t->comm), TASK_COMM_LEN - 1);
	KUNIT_EXPECT_STREQ(test, t->comm, "kthread_test_wi");
#if IS_BUILTIN(CONFIG_KTHREAD_KUNIT_TEST)
	/* What /proc/PID/{comm,stat,status} show: fs/proc/array.c. */
	get_kthread_comm(full, sizeof(full), t);
	KUNIT_EXPECT_EQ(test, strlen(full), sizeof(full) - 1);
	KUNIT_EXPECT_EQ(test, strncmp(full, name, sizeof(full) - 1), 0);
#endif
	KUNIT_EXPECT_EQ(test, kthread_stop(t), -EINTR);
}

static void kthread_test_stop_result(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_run(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_TRUE(test, ctx->should_stop_late);
}

static void kthread_test_stop_never_woken(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;
	int ret;

	t = kthread_create(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	KUNIT_EXPECT_EQ(test, kthread_test_stop(test, t, KTHREAD_TEST_TIMEOUT,
						NULL, NULL, &ret),
			KTHREAD_TEST_RETURNED);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->ran), 0);
	KUNIT_EXPECT_FALSE(test, completion_done(&ctx->started));
}

/* Spurious wake-ups do not make kthread_should_stop() true; only a stop does. */
static void kthread_test_should_stop(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;
	int i;

	t = kthread_run(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));

	for (i = 0; i < 3; i++) {
		wake_up_process(t);
		KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));
	}
	KUNIT_EXPECT_FALSE(test, ctx->should_stop_early);
	KUNIT_EXPECT_FALSE(test, ctx->should_stop_late);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->loops), 4);

	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_TRUE(test, ctx->should_stop_late);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->loops), 4);
}

/*
 * kthread_stop() queues no signal, but it sets TIF_NOTIFY_SIGNAL, which
 * signal_pending() reports: interruptible sleeps end early from then on.
 */
static void kthread_test_stop_no_signal(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_run(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_FALSE(test, ctx->task_sigpending_late);
	KUNIT_EXPECT_TRUE(test, ctx->sigpending_late);
}

static int kthread_test_wait_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	switch (ctx->how) {
	case KTHREAD_TEST_IDLE:
		wait_event_idle(ctx->wq,
				kthread_should_stop() || READ_ONCE(ctx->go));
		break;
	case KTHREAD_TEST_IDLE_NO_STOP:
		wait_event_idle(ctx->wq, READ_ONCE(ctx->go));
		break;
	case KTHREAD_TEST_UNINTERRUPTIBLE:
		wait_event(ctx->wq, READ_ONCE(ctx->go));
		break;
	case KTHREAD_TEST_KILLABLE:
		ctx->wait_ret = wait_event_killable(ctx->wq, READ_ONCE(ctx->go));
		break;
	case KTHREAD_TEST_INTERRUPTIBLE:
		ctx->wait_ret = wait_event_interruptible(ctx->wq,
							 READ_ONCE(ctx->go));
		break;
	case KTHREAD_TEST_MSLEEP:
		/* Released by the end of the sleep, not by ctx->go. */
		while (!kthread_should_stop())
			msleep(1000);
		break;
	case KTHREAD_TEST_FREEZABLE:
		wait_event_freezable(ctx->wq, READ_ONCE(ctx->go));
		break;
	}
	return KTHREAD_TEST_RESULT;
}

/*
 * Start a thread that waits as @how says, stop it from a helper and report
 * whether the stop returned within @timeout.
 */
static enum kthread_test_outcome
kthread_test_stop_waiter(struct kunit *test, enum kthread_test_wait how,
			 unsigned long timeout, struct kthread_test_ctx **ctxp)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	enum kthread_test_outcome outcome;
	struct task_struct *t;
	int ret;

	ctx->how = how;
	t = kthread_run(kthread_test_wait_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->started));

	outcome = kthread_test_stop(test, t, timeout, kthread_test_release,
				    ctx, &ret);
	KUNIT_EXPECT_EQ(test, ret, KTHREAD_TEST_RESULT);
	if (ctxp)
		*ctxp = ctx;
	return outcome;
}

static void kthread_test_stop_wait_condition(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kthread_test_stop_waiter(test, KTHREAD_TEST_IDLE,
						       KTHREAD_TEST_TIMEOUT,
						       NULL),
			KTHREAD_TEST_RETURNED);
}

/* Without kthread_should_stop() in the condition, the stop waits. */
static void kthread_test_stop_wait_condition_missing(struct kunit *test)
{
	static const enum kthread_test_wait hows[] = {
		KTHREAD_TEST_IDLE_NO_STOP,
		KTHREAD_TEST_UNINTERRUPTIBLE,
		KTHREAD_TEST_KILLABLE,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(hows); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    kthread_test_stop_waiter(test, hows[i],
							     KTHREAD_TEST_QUIET,
							     NULL),
				    KTHREAD_TEST_RELEASED, "wait %d", hows[i]);
}

/* The vendor loop: TIF_NOTIFY_SIGNAL ends the interruptible wait. */
static void kthread_test_stop_interrupts_wait(struct kunit *test)
{
	struct kthread_test_ctx *ctx;

	KUNIT_EXPECT_EQ(test,
			kthread_test_stop_waiter(test,
						 KTHREAD_TEST_INTERRUPTIBLE,
						 KTHREAD_TEST_TIMEOUT, &ctx),
			KTHREAD_TEST_RETURNED);
	KUNIT_EXPECT_EQ(test, ctx->wait_ret, -ERESTARTSYS);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(ctx->go));
}

/* msleep() cannot be woken: the stop waits out the sleep. */
static void kthread_test_stop_msleep(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test,
			kthread_test_stop_waiter(test, KTHREAD_TEST_MSLEEP,
						 KTHREAD_TEST_QUIET, NULL),
			KTHREAD_TEST_RELEASED);
}

static int kthread_test_exit_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	return KTHREAD_TEST_RESULT;
}

static int kthread_test_complete_and_exit_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	kthread_complete_and_exit(&ctx->done, KTHREAD_TEST_RESULT);
}

/*
 * Nothing reports the exit of a thread nobody has stopped yet, so poll for
 * it, as the caller holds a reference.
 */
static bool kthread_test_wait_exited(struct task_struct *t)
{
	unsigned long end = jiffies + KTHREAD_TEST_TIMEOUT;

	while (!READ_ONCE(t->exit_state)) {
		if (time_after(jiffies, end))
			return false;
		schedule_timeout_idle(1);
	}
	return true;
}

/* Stopping a thread that has returned on its own gives its result. */
static struct kthread_test_ctx *
kthread_test_stop_exited(struct kunit *test, int (*fn)(void *data))
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;
	int ret;

	t = kthread_create(fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wake_up_process(t);

	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait_exited(t));
	KUNIT_EXPECT_EQ(test, kthread_test_stop(test, t, KTHREAD_TEST_TIMEOUT,
						kthread_test_release, ctx,
						&ret),
			KTHREAD_TEST_RETURNED);
	KUNIT_EXPECT_EQ(test, ret, KTHREAD_TEST_RESULT);
	return ctx;
}

static void kthread_test_stop_put_exited(struct kunit *test)
{
	kthread_test_stop_exited(test, kthread_test_exit_fn);
}

static void kthread_test_complete_and_exit(struct kunit *test)
{
	struct kthread_test_ctx *ctx;

	ctx = kthread_test_stop_exited(test, kthread_test_complete_and_exit_fn);
	KUNIT_EXPECT_TRUE(test, completion_done(&ctx->done));
}

static int kthread_test_park_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	atomic_inc(&ctx->ran);
	complete(&ctx->started);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		if (kthread_should_park()) {
			__set_current_state(TASK_RUNNING);
			atomic_inc(&ctx->parks);
			kthread_parkme();
			atomic_inc(&ctx->unparks);
			complete(&ctx->tick);
			continue;
		}
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return KTHREAD_TEST_RESULT;
}

static void kthread_test_unpark(void *t)
{
	kthread_unpark(t);
}

static void kthread_test_park_unpark(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;
	int ret;

	t = kthread_run(kthread_test_park_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));

	KUNIT_EXPECT_EQ(test, kthread_park(t), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->__state), TASK_PARKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->parks), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->unparks), 0);

	kthread_unpark(t);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->unparks), 1);

	/* kthread_stop() unparks a parked thread before stopping it. */
	KUNIT_EXPECT_EQ(test, kthread_park(t), 0);
	/* Two references: the helper's stop, and kthread_test_unpark(). */
	get_task_struct(t);
	get_task_struct(t);
	KUNIT_EXPECT_EQ(test, kthread_test_stop(test, t, KTHREAD_TEST_TIMEOUT,
						kthread_test_unpark, t, &ret),
			KTHREAD_TEST_RETURNED);
	put_task_struct(t);
	KUNIT_EXPECT_EQ(test, ret, KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->parks), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->unparks), 2);
}

static void kthread_test_park_before_wake(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_create(kthread_test_park_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	KUNIT_EXPECT_EQ(test, kthread_park(t), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->__state), TASK_PARKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->ran), 0);

	kthread_unpark(t);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->ran), 1);
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
}

/*
 * Checks between waits with kthread_freezable_should_stop(); ctx->how says
 * whether the wait is a freezing point too (KTHREAD_TEST_FREEZABLE) or not.
 */
static int kthread_test_freezable_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;
	bool was_frozen;

	ctx->nofreeze_before = current->flags & PF_NOFREEZE;
	set_freezable();
	ctx->nofreeze_after = current->flags & PF_NOFREEZE;
	complete(&ctx->started);

	while (!kthread_freezable_should_stop(&was_frozen)) {
		WRITE_ONCE(ctx->was_frozen, was_frozen);
		complete(&ctx->tick);
		if (ctx->how == KTHREAD_TEST_FREEZABLE)
			wait_event_freezable(ctx->wq,
					     kthread_should_stop() ||
					     READ_ONCE(ctx->go));
		else
			wait_event_idle(ctx->wq,
					kthread_should_stop() || READ_ONCE(ctx->go));
		WRITE_ONCE(ctx->go, false);
	}
	return KTHREAD_TEST_RESULT;
}

static void kthread_test_freezable(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	if (!IS_ENABLED(CONFIG_FREEZER))
		kunit_skip(test, "needs CONFIG_FREEZER: set_freezable() is empty");

	t = kthread_run(kthread_test_freezable_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_TRUE(test, ctx->nofreeze_before);
	KUNIT_EXPECT_FALSE(test, ctx->nofreeze_after);
	/* With no freeze in progress it is kthread_should_stop(). */
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(ctx->was_frozen));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
}

#ifdef KTHREAD_TEST_FREEZER
/*
 * A freeze as freeze_kernel_threads() starts it, for the threads of one
 * case: every freezable task is "freezing" from begin to end, but only the
 * case's threads are asked to freeze. The end thaws every task, in case
 * another freezable thread froze itself meanwhile.
 */
struct kthread_test_freeze {
	unsigned int sleep_flags;
	bool active;
};

static void kthread_test_freeze_end(void *arg)
{
	struct kthread_test_freeze *f = arg;
	struct task_struct *g, *p;

	if (!f->active)
		return;
	f->active = false;
	pm_nosig_freezing = false;
	static_branch_dec(&freezer_active);
	read_lock(&tasklist_lock);
	for_each_process_thread(g, p)
		__thaw_task(p);
	read_unlock(&tasklist_lock);
	unlock_system_sleep(f->sleep_flags);
}

static struct kthread_test_freeze *kthread_test_freeze_begin(struct kunit *test)
{
	struct kthread_test_freeze *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	/* No suspend meanwhile: it would thaw, or be thawed by, this one. */
	f->sleep_flags = lock_system_sleep();
	static_branch_inc(&freezer_active);
	pm_nosig_freezing = true;
	f->active = true;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							kthread_test_freeze_end,
							f), 0);
	return f;
}

/* Freeze @t as try_to_freeze_tasks() does: ask until it is frozen. */
static bool kthread_test_freeze_task(struct task_struct *t)
{
	unsigned long end = jiffies + KTHREAD_TEST_TIMEOUT;

	while (!frozen(t)) {
		if (time_after(jiffies, end))
			return false;
		freeze_task(t);
		schedule_timeout_idle(1);
	}
	return true;
}

/* A frozen thread is not woken by kthread_stop(): the stop waits for thaw. */
static void kthread_test_stop_frozen(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct kthread_test_freeze *f;
	struct task_struct *t;
	int ret;

	ctx->how = KTHREAD_TEST_FREEZABLE;
	t = kthread_run(kthread_test_freezable_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));

	f = kthread_test_freeze_begin(test);
	KUNIT_EXPECT_TRUE(test, kthread_test_freeze_task(t));
	KUNIT_EXPECT_EQ(test, kthread_test_stop(test, t, KTHREAD_TEST_QUIET,
						kthread_test_freeze_end, f,
						&ret),
			KTHREAD_TEST_RELEASED);
	kthread_test_freeze_end(f);	/* if the stop returned unreleased */
	KUNIT_EXPECT_EQ(test, ret, KTHREAD_TEST_RESULT);
}

/*
 * A stop that comes before the freeze: kthread_freezable_should_stop()
 * returns true instead of freezing, and the stop is not held up.
 */
static void kthread_test_stop_before_freeze(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct kthread_test_freeze *f;
	struct task_struct *t;
	int ret;

	ctx->how = KTHREAD_TEST_IDLE;	/* not a freezing point */
	t = kthread_run(kthread_test_freezable_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));

	f = kthread_test_freeze_begin(test);
	KUNIT_EXPECT_TRUE(test, freezing(t));
	KUNIT_EXPECT_EQ(test, kthread_test_stop(test, t, KTHREAD_TEST_TIMEOUT,
						kthread_test_freeze_end, f,
						&ret),
			KTHREAD_TEST_RETURNED);
	/*
	 * End the freeze here: the deferred action would run in another
	 * task than the one that took system_transition_mutex.
	 */
	kthread_test_freeze_end(f);
	KUNIT_EXPECT_EQ(test, ret, KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(ctx->was_frozen));
}

/*
 * kthread_freezable_should_stop() is a freezing point, and tells whether
 * the thread was frozen in it.
 */
static void kthread_test_freeze_and_thaw(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct kthread_test_freeze *f;
	struct task_struct *t;

	ctx->how = KTHREAD_TEST_IDLE;
	t = kthread_run(kthread_test_freezable_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));

	f = kthread_test_freeze_begin(test);
	kthread_test_release(ctx);
	KUNIT_EXPECT_TRUE(test, kthread_test_freeze_task(t));
	KUNIT_EXPECT_FALSE(test, kthread_test_too_soon(&ctx->tick));
	kthread_test_freeze_end(f);

	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->tick));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(ctx->was_frozen));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
}
#endif /* KTHREAD_TEST_FREEZER */

static int kthread_test_signal_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	if (ctx->allow_usr1)
		allow_signal(SIGUSR1);
	complete(&ctx->started);

	ctx->wait_ret = wait_event_interruptible(ctx->wq,
						 kthread_should_stop());
	ctx->task_sigpending_late = task_sigpending(current);
	flush_signals(current);
	complete(&ctx->done);

	wait_event_idle(ctx->wq, kthread_should_stop());
	return 0;
}

/* Returns what the thread's interruptible wait returned. */
static int kthread_test_send_usr1(struct kunit *test, bool allow)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	ctx->allow_usr1 = allow;
	t = kthread_run(kthread_test_signal_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));

	KUNIT_EXPECT_EQ(test, send_sig(SIGUSR1, t, 1), 0);
	if (allow)
		KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->done));
	else
		KUNIT_EXPECT_FALSE(test, kthread_test_too_soon(&ctx->done));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), 0);
	KUNIT_EXPECT_EQ(test, ctx->task_sigpending_late, allow);
	return ctx->wait_ret;
}

static void kthread_test_signals(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kthread_test_send_usr1(test, false), 0);
	KUNIT_EXPECT_EQ(test, kthread_test_send_usr1(test, true), -ERESTARTSYS);
}

static int kthread_test_policy_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_IDLE,
	};

	ctx->setattr_ret = sched_setattr_nocheck(current, &attr);
	complete(&ctx->started);
	wait_event_idle(ctx->wq, kthread_should_stop());
	return 0;
}

static void kthread_test_sched_policy(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_run(kthread_test_policy_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_EQ(test, ctx->setattr_ret, 0);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_IDLE);

	sched_set_fifo_low(t);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_FIFO);
	KUNIT_EXPECT_EQ(test, t->rt_priority, 1);

	sched_set_fifo(t);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_FIFO);
	KUNIT_EXPECT_EQ(test, t->rt_priority, MAX_RT_PRIO / 2);

	sched_set_normal(t, 5);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_NORMAL);
	KUNIT_EXPECT_EQ(test, t->rt_priority, 0);
	KUNIT_EXPECT_EQ(test, task_nice(t), 5);

	KUNIT_EXPECT_EQ(test, kthread_stop(t), 0);
}

/*
 * The reset that a new thread does to itself (kthread() in kernel/kthread.c)
 * sets the policy and keeps the nice value.
 */
static void kthread_test_reset_keeps_nice(struct kunit *test)
{
#if IS_BUILTIN(CONFIG_KTHREAD_KUNIT_TEST)
	static const struct sched_param param = { .sched_priority = 0 };
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_IDLE,
	};
	struct task_struct *t;

	t = kthread_create(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, sched_setattr_nocheck(t, &attr), 0);
	set_user_nice(t, 5);
	KUNIT_EXPECT_EQ(test, sched_setscheduler_nocheck(t, SCHED_NORMAL,
							 &param), 0);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_NORMAL);
	KUNIT_EXPECT_EQ(test, task_nice(t), 5);
	KUNIT_EXPECT_EQ(test, kthread_stop(t), -EINTR);
#else
	kunit_skip(test, "sched_setscheduler_nocheck() is not exported");
#endif
}

#define KTHREAD_TEST_NR_WORKS	4

struct kthread_test_worker;

struct kthread_test_item {
	struct kthread_work work;
	struct kthread_test_worker *tw;
	int index;
};

struct kthread_test_worker {
	struct kthread_worker *worker;
	struct kthread_test_item items[KTHREAD_TEST_NR_WORKS];
	struct kthread_work gate_work;
	struct kthread_delayed_work dwork;
	struct completion gate;
	struct completion gate_started;
	struct completion item_done;
	struct completion dwork_done;
	bool gate_finished;
	atomic_t next;
	int order[KTHREAD_TEST_NR_WORKS];
	unsigned long ran_at;
};

static void kthread_test_item_fn(struct kthread_work *work)
{
	struct kthread_test_item *item;
	int n;

	item = container_of(work, struct kthread_test_item, work);
	n = atomic_inc_return(&item->tw->next) - 1;
	if (n < KTHREAD_TEST_NR_WORKS)
		item->tw->order[n] = item->index;
	complete(&item->tw->item_done);
}

/* Holds the worker busy until the gate opens (or the timeout, if never). */
static void kthread_test_gate_fn(struct kthread_work *work)
{
	struct kthread_test_worker *tw;

	tw = container_of(work, struct kthread_test_worker, gate_work);
	complete(&tw->gate_started);
	wait_for_completion_timeout(&tw->gate, KTHREAD_TEST_TIMEOUT);
	WRITE_ONCE(tw->gate_finished, true);
}

static void kthread_test_open_gate(void *arg)
{
	struct kthread_test_worker *tw = arg;

	complete(&tw->gate);
}

static void kthread_test_dwork_fn(struct kthread_work *work)
{
	struct kthread_test_worker *tw;

	tw = container_of(work, struct kthread_test_worker, dwork.work);
	tw->ran_at = jiffies;
	complete(&tw->dwork_done);
}

static void kthread_test_worker_exit(void *data)
{
	struct kthread_test_worker *tw = data;

	complete(&tw->gate);
	kthread_cancel_delayed_work_sync(&tw->dwork);
	if (tw->worker)
		kthread_destroy_worker(tw->worker);
}

static struct kthread_test_worker *
kthread_test_worker_start(struct kunit *test, unsigned int flags)
{
	struct kthread_test_worker *tw;
	int i;

	tw = kunit_kzalloc(test, sizeof(*tw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tw);
	for (i = 0; i < KTHREAD_TEST_NR_WORKS; i++) {
		kthread_init_work(&tw->items[i].work, kthread_test_item_fn);
		tw->items[i].tw = tw;
		tw->items[i].index = i;
		tw->order[i] = -1;
	}
	kthread_init_work(&tw->gate_work, kthread_test_gate_fn);
	kthread_init_delayed_work(&tw->dwork, kthread_test_dwork_fn);
	init_completion(&tw->gate);
	init_completion(&tw->gate_started);
	init_completion(&tw->item_done);
	init_completion(&tw->dwork_done);
	atomic_set(&tw->next, 0);

	tw->worker = kthread_create_worker(flags, "kthread_test_worker");
	KUNIT_ASSERT_FALSE(test, IS_ERR(tw->worker));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							kthread_test_worker_exit,
							tw), 0);
	return tw;
}

/* Queue the gate, then the items behind it. */
static void kthread_test_queue_all(struct kunit *test,
				   struct kthread_test_worker *tw)
{
	int i;

	KUNIT_EXPECT_TRUE(test, kthread_queue_work(tw->worker, &tw->gate_work));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&tw->gate_started));
	for (i = 0; i < KTHREAD_TEST_NR_WORKS; i++)
		KUNIT_EXPECT_TRUE(test, kthread_queue_work(tw->worker,
							   &tw->items[i].work));
	/* A pending work is not queued twice. */
	KUNIT_EXPECT_FALSE(test, kthread_queue_work(tw->worker,
						    &tw->items[0].work));
	KUNIT_EXPECT_EQ(test, atomic_read(&tw->next), 0);
}

static void kthread_test_worker_order(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);
	int i;

	kthread_test_queue_all(test, tw);
	complete(&tw->gate);
	kthread_flush_worker(tw->worker);

	KUNIT_EXPECT_TRUE(test, READ_ONCE(tw->gate_finished));
	KUNIT_EXPECT_EQ(test, atomic_read(&tw->next), KTHREAD_TEST_NR_WORKS);
	for (i = 0; i < KTHREAD_TEST_NR_WORKS; i++)
		KUNIT_EXPECT_EQ(test, tw->order[i], i);
}

static void kthread_test_flush_work(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);

	kthread_test_queue_all(test, tw);
	complete(&tw->gate);
	kthread_flush_work(&tw->items[1].work);

	/* Items run in order, so flushing the second waits for two. */
	KUNIT_EXPECT_GE(test, atomic_read(&tw->next), 2);
	KUNIT_EXPECT_EQ(test, tw->order[1], 1);
}

static void kthread_test_delayed_work(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);
	unsigned long delay = KTHREAD_TEST_QUIET;
	unsigned long queued_at = jiffies;

	KUNIT_EXPECT_TRUE(test, kthread_queue_delayed_work(tw->worker,
							   &tw->dwork, delay));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&tw->dwork_done));
	KUNIT_EXPECT_TRUE(test, time_after_eq(tw->ran_at, queued_at + delay));
}

/* kthread_mod_delayed_work() moves the timer of a pending delayed work. */
static void kthread_test_mod_delayed_work(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);

	/* Idle: queued, with a delay far longer than the case. */
	KUNIT_EXPECT_FALSE(test, kthread_mod_delayed_work(tw->worker, &tw->dwork,
							  100 * KTHREAD_TEST_TIMEOUT));
	KUNIT_EXPECT_FALSE(test, kthread_test_too_soon(&tw->dwork_done));
	/* Pending: the delay is now 0. */
	KUNIT_EXPECT_TRUE(test, kthread_mod_delayed_work(tw->worker, &tw->dwork,
							 0));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&tw->dwork_done));
}

static void kthread_test_cancel_pending(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);

	kthread_test_queue_all(test, tw);
	KUNIT_EXPECT_TRUE(test, kthread_cancel_work_sync(&tw->items[2].work));
	KUNIT_EXPECT_FALSE(test, kthread_cancel_work_sync(&tw->items[2].work));

	KUNIT_EXPECT_TRUE(test, kthread_queue_delayed_work(tw->worker,
							   &tw->dwork,
							   KTHREAD_TEST_TIMEOUT));
	KUNIT_EXPECT_TRUE(test, kthread_cancel_delayed_work_sync(&tw->dwork));

	complete(&tw->gate);
	kthread_flush_worker(tw->worker);
	KUNIT_EXPECT_EQ(test, atomic_read(&tw->next), KTHREAD_TEST_NR_WORKS - 1);
	KUNIT_EXPECT_EQ(test, tw->order[0], 0);
	KUNIT_EXPECT_EQ(test, tw->order[1], 1);
	KUNIT_EXPECT_EQ(test, tw->order[2], 3);
	KUNIT_EXPECT_FALSE(test, completion_done(&tw->dwork_done));
}

static int kthread_test_do_cancel(void *work)
{
	return kthread_cancel_work_sync(work);
}

/* Cancelling a running work waits until it has finished. */
static void kthread_test_cancel_running(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);
	int ret;

	KUNIT_EXPECT_TRUE(test, kthread_queue_work(tw->worker, &tw->gate_work));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&tw->gate_started));

	KUNIT_EXPECT_EQ(test, kthread_test_call(test, kthread_test_do_cancel,
						&tw->gate_work,
						KTHREAD_TEST_QUIET,
						kthread_test_open_gate, tw,
						&ret),
			KTHREAD_TEST_RELEASED);
	/* It was running, not pending. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(tw->gate_finished));
}

/* kthread_destroy_worker() runs what is queued, then stops the thread. */
static void kthread_test_destroy_worker(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test, 0);
	struct kthread_worker *worker = tw->worker;
	struct task_struct *t = worker->task;

	get_task_struct(t);
	kthread_test_queue_all(test, tw);
	complete(&tw->gate);
	tw->worker = NULL;
	kthread_destroy_worker(worker);

	KUNIT_EXPECT_EQ(test, atomic_read(&tw->next), KTHREAD_TEST_NR_WORKS);
	KUNIT_EXPECT_TRUE(test, t->flags & PF_EXITING);
	put_task_struct(t);
}

#ifdef KTHREAD_TEST_FREEZER
/* A KTW_FREEZABLE worker freezes between works and runs none while frozen. */
static void kthread_test_worker_freezable(struct kunit *test)
{
	struct kthread_test_worker *tw;
	struct kthread_test_freeze *f;

	tw = kthread_test_worker_start(test, KTW_FREEZABLE);
	/* Once a work has run, kthread_worker_fn() has called set_freezable(). */
	KUNIT_EXPECT_TRUE(test, kthread_queue_work(tw->worker,
						   &tw->items[0].work));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&tw->item_done));
	KUNIT_EXPECT_FALSE(test, tw->worker->task->flags & PF_NOFREEZE);

	f = kthread_test_freeze_begin(test);
	KUNIT_EXPECT_TRUE(test, kthread_test_freeze_task(tw->worker->task));
	KUNIT_EXPECT_TRUE(test, kthread_queue_work(tw->worker,
						   &tw->items[1].work));
	KUNIT_EXPECT_FALSE(test, kthread_test_too_soon(&tw->item_done));
	kthread_test_freeze_end(f);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&tw->item_done));
	KUNIT_EXPECT_EQ(test, atomic_read(&tw->next), 2);
}

#define KTHREAD_FREEZER_CASE(test_name)	KUNIT_CASE(test_name)
#else
static void kthread_test_no_freezer(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FREEZER and the suite built in");
}

#define KTHREAD_FREEZER_CASE(test_name) \
	{ .run_case = kthread_test_no_freezer, .name = #test_name }
#endif /* KTHREAD_TEST_FREEZER */

static struct kunit_case kthread_test_cases[] = {
	KUNIT_CASE(kthread_test_create_sleeps),
	KUNIT_CASE(kthread_test_defaults),
	KUNIT_CASE(kthread_test_name_truncated),
	KUNIT_CASE(kthread_test_stop_result),
	KUNIT_CASE(kthread_test_stop_never_woken),
	KUNIT_CASE(kthread_test_should_stop),
	KUNIT_CASE(kthread_test_stop_no_signal),
	KUNIT_CASE(kthread_test_stop_wait_condition),
	KUNIT_CASE(kthread_test_stop_wait_condition_missing),
	KUNIT_CASE(kthread_test_stop_interrupts_wait),
	KUNIT_CASE(kthread_test_stop_msleep),
	KUNIT_CASE(kthread_test_stop_put_exited),
	KUNIT_CASE(kthread_test_complete_and_exit),
	KUNIT_CASE(kthread_test_park_unpark),
	KUNIT_CASE(kthread_test_park_before_wake),
	KUNIT_CASE(kthread_test_freezable),
	KTHREAD_FREEZER_CASE(kthread_test_stop_frozen),
	KTHREAD_FREEZER_CASE(kthread_test_stop_before_freeze),
	KTHREAD_FREEZER_CASE(kthread_test_freeze_and_thaw),
	KUNIT_CASE(kthread_test_signals),
	KUNIT_CASE(kthread_test_sched_policy),
	KUNIT_CASE(kthread_test_reset_keeps_nice),
	KUNIT_CASE(kthread_test_worker_order),
	KUNIT_CASE(kthread_test_flush_work),
	KUNIT_CASE(kthread_test_delayed_work),
	KUNIT_CASE(kthread_test_mod_delayed_work),
	KUNIT_CASE(kthread_test_cancel_pending),
	KUNIT_CASE(kthread_test_cancel_running),
	KUNIT_CASE(kthread_test_destroy_worker),
	KTHREAD_FREEZER_CASE(kthread_test_worker_freezable),
	{}
};

static struct kunit_suite kthread_test_suite = {
	.name = "kthread",
	.test_cases = kthread_test_cases,
};

kunit_test_suite(kthread_test_suite);

MODULE_DESCRIPTION("KUnit tests for the kernel thread lifecycle");
MODULE_LICENSE("GPL");
