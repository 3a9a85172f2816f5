// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the kernel thread lifecycle
 *
 * Each case proves one claim of Documentation/core-api/kthread.rst, which
 * names the case beside the claim. A case that fails means the guide is
 * wrong for this kernel.
 *
 * Every wait is bounded: a thread that does not behave is released by the
 * test (a flag and a wake-up, or a completion) before it is stopped, so a
 * broken claim fails the case instead of hanging the run.
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
#include <linux/string.h>
#include <linux/wait.h>
#include <uapi/linux/sched/types.h>

/* Long enough to be sure a thread that should not run did not run. */
#define KTHREAD_TEST_QUIET_MS	100
/* Long enough for anything that should happen to have happened. */
#define KTHREAD_TEST_TIMEOUT	msecs_to_jiffies(5000)
/* A result no kthread code path returns by itself. */
#define KTHREAD_TEST_RESULT	(-EXDEV)

struct kthread_test_ctx {
	struct completion started;
	struct completion tick;
	struct completion done;
	wait_queue_head_t wq;
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
	unsigned long left;

	t = kthread_create(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	KUNIT_EXPECT_EQ(test, READ_ONCE(t->__state), TASK_UNINTERRUPTIBLE);
	left = wait_for_completion_timeout(&ctx->started,
					   msecs_to_jiffies(KTHREAD_TEST_QUIET_MS));
	KUNIT_EXPECT_EQ(test, left, 0);
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
	KUNIT_EXPECT_NULL(test, t->mm);
	KUNIT_EXPECT_EQ(test, t->policy, SCHED_NORMAL);
	KUNIT_EXPECT_EQ(test, task_nice(t), 0);

	wake_up_process(t);
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_TRUE(test, ctx->mm_null);
	KUNIT_EXPECT_TRUE(test, ctx->pf_kthread);
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
}

static void kthread_test_name_truncated(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_create(kthread_test_loop_fn, ctx, "%s_%s", "kthread_test",
			   "with_a_long_name");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, strlen(t->comm), TASK_COMM_LEN - 1);
	KUNIT_EXPECT_STREQ(test, t->comm, "kthread_test_wi");
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

	t = kthread_create(kthread_test_loop_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), -EINTR);
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

/* The vendor camera-pool loop: the wait condition omits kthread_should_stop(). */
static int kthread_test_interruptible_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	ctx->wait_ret = wait_event_interruptible(ctx->wq, READ_ONCE(ctx->go));
	return KTHREAD_TEST_RESULT;
}

static void kthread_test_stop_interrupts_wait(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_run(kthread_test_interruptible_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_EQ(test, ctx->wait_ret, -ERESTARTSYS);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(ctx->go));
}

static int kthread_test_idle_wait_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	wait_event_idle(ctx->wq, kthread_should_stop() || READ_ONCE(ctx->go));
	return KTHREAD_TEST_RESULT;
}

static int kthread_test_idle_wait_buggy_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	wait_event_idle(ctx->wq, READ_ONCE(ctx->go));
	return KTHREAD_TEST_RESULT;
}

struct kthread_test_stopper {
	struct task_struct *target;
	struct completion calling;
	struct completion stopped;
	int ret;
};

/* kthread_stop() cannot time out, so it is called from a thread of its own. */
static int kthread_test_stopper_fn(void *data)
{
	struct kthread_test_stopper *s = data;

	complete(&s->calling);
	s->ret = kthread_stop_put(s->target);
	complete(&s->stopped);
	return 0;
}

/*
 * Start @fn, stop it from a helper thread and report whether the stop was
 * done within KTHREAD_TEST_QUIET_MS. Then release the thread in any case,
 * so that the helper always finishes.
 */
static bool kthread_test_stopped_promptly(struct kunit *test,
					  int (*fn)(void *data))
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct kthread_test_stopper *s;
	struct task_struct *t, *stopper;
	bool prompt;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	init_completion(&s->calling);
	init_completion(&s->stopped);

	t = kthread_run(fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));
	/* Held because a released @t returns on its own, maybe before the stop. */
	get_task_struct(t);
	s->target = t;

	stopper = kthread_run(kthread_test_stopper_fn, s, "kthread_test_stop");
	if (IS_ERR(stopper)) {
		WRITE_ONCE(ctx->go, true);
		wake_up(&ctx->wq);
		kthread_stop_put(t);
		KUNIT_FAIL(test, "cannot start the stopper: %ld", PTR_ERR(stopper));
		return false;
	}
	get_task_struct(stopper);
	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&s->calling));

	prompt = wait_for_completion_timeout(&s->stopped,
					     msecs_to_jiffies(KTHREAD_TEST_QUIET_MS));

	WRITE_ONCE(ctx->go, true);
	wake_up(&ctx->wq);
	if (!prompt)
		KUNIT_EXPECT_TRUE(test, kthread_test_wait(&s->stopped));
	KUNIT_EXPECT_EQ(test, s->ret, KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_EQ(test, kthread_stop_put(stopper), 0);
	return prompt;
}

static void kthread_test_stop_wait_condition(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test,
			  kthread_test_stopped_promptly(test,
							kthread_test_idle_wait_fn));
}

static void kthread_test_stop_wait_condition_missing(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test,
			   kthread_test_stopped_promptly(test,
							 kthread_test_idle_wait_buggy_fn));
}

static int kthread_test_exit_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	return KTHREAD_TEST_RESULT;
}

/* Wait until @t has exited on its own; the caller holds a reference. */
static bool kthread_test_wait_exited(struct task_struct *t)
{
	int i;

	for (i = 0; i < 250; i++) {
		if (READ_ONCE(t->exit_state))
			return true;
		msleep(20);
	}
	return false;
}

static void kthread_test_stop_put_exited(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_create(kthread_test_exit_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wake_up_process(t);

	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->started));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait_exited(t));
	KUNIT_EXPECT_EQ(test, kthread_stop_put(t), KTHREAD_TEST_RESULT);
}

static int kthread_test_complete_and_exit_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;

	complete(&ctx->started);
	kthread_complete_and_exit(&ctx->done, KTHREAD_TEST_RESULT);
}

static void kthread_test_complete_and_exit(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

	t = kthread_create(kthread_test_complete_and_exit_fn, ctx,
			   "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wake_up_process(t);

	KUNIT_EXPECT_TRUE(test, kthread_test_wait(&ctx->done));
	KUNIT_EXPECT_TRUE(test, kthread_test_wait_exited(t));
	KUNIT_EXPECT_EQ(test, kthread_stop_put(t), KTHREAD_TEST_RESULT);
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
	return 0;
}

static void kthread_test_park_unpark(struct kunit *test)
{
	struct kthread_test_ctx *ctx = kthread_test_ctx_alloc(test);
	struct task_struct *t;

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
	KUNIT_EXPECT_EQ(test, kthread_stop(t), 0);
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
	KUNIT_EXPECT_EQ(test, kthread_stop(t), 0);
}

static int kthread_test_freezable_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;
	bool was_frozen = false;

	ctx->nofreeze_before = current->flags & PF_NOFREEZE;
	set_freezable();
	ctx->nofreeze_after = current->flags & PF_NOFREEZE;
	complete(&ctx->started);

	while (!kthread_freezable_should_stop(&was_frozen)) {
		ctx->was_frozen |= was_frozen;
		wait_event_freezable(ctx->wq, kthread_should_stop());
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
	KUNIT_EXPECT_EQ(test, kthread_stop(t), KTHREAD_TEST_RESULT);
	KUNIT_EXPECT_FALSE(test, ctx->was_frozen);
}

static int kthread_test_signal_fn(void *data)
{
	struct kthread_test_ctx *ctx = data;
	long left;

	if (ctx->allow_usr1)
		allow_signal(SIGUSR1);
	complete(&ctx->started);

	left = wait_event_interruptible_timeout(ctx->wq, kthread_should_stop(),
						KTHREAD_TEST_TIMEOUT);
	ctx->wait_ret = left < 0 ? left : 0;
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
	unsigned long left;

	ctx->allow_usr1 = allow;
	t = kthread_run(kthread_test_signal_fn, ctx, "kthread_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&ctx->started));

	KUNIT_EXPECT_EQ(test, send_sig(SIGUSR1, t, 1), 0);
	left = wait_for_completion_timeout(&ctx->done,
					   msecs_to_jiffies(KTHREAD_TEST_QUIET_MS));
	KUNIT_EXPECT_EQ(test, left != 0, allow);
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
	struct completion dwork_done;
	unsigned long gate_ms;
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
}

/* Holds the worker busy until released or until gate_ms have passed. */
static void kthread_test_gate_fn(struct kthread_work *work)
{
	struct kthread_test_worker *tw;

	tw = container_of(work, struct kthread_test_worker, gate_work);
	complete(&tw->gate_started);
	wait_for_completion_timeout(&tw->gate, msecs_to_jiffies(tw->gate_ms));
	WRITE_ONCE(tw->gate_finished, true);
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
	kthread_destroy_worker(tw->worker);
}

static struct kthread_test_worker *kthread_test_worker_start(struct kunit *test)
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
	init_completion(&tw->dwork_done);
	tw->gate_ms = 5000;
	atomic_set(&tw->next, 0);

	tw->worker = kthread_create_worker(0, "kthread_test_worker");
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
	struct kthread_test_worker *tw = kthread_test_worker_start(test);
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
	struct kthread_test_worker *tw = kthread_test_worker_start(test);

	kthread_test_queue_all(test, tw);
	complete(&tw->gate);
	kthread_flush_work(&tw->items[1].work);

	/* Items run in order, so flushing the second waits for two. */
	KUNIT_EXPECT_GE(test, atomic_read(&tw->next), 2);
	KUNIT_EXPECT_EQ(test, tw->order[1], 1);
}

static void kthread_test_delayed_work(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test);
	unsigned long delay = msecs_to_jiffies(KTHREAD_TEST_QUIET_MS);
	unsigned long queued_at = jiffies;

	KUNIT_EXPECT_TRUE(test, kthread_queue_delayed_work(tw->worker,
							   &tw->dwork, delay));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&tw->dwork_done));
	KUNIT_EXPECT_TRUE(test, time_after_eq(tw->ran_at, queued_at + delay));
}

static void kthread_test_cancel_pending(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test);

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

static void kthread_test_cancel_running(struct kunit *test)
{
	struct kthread_test_worker *tw = kthread_test_worker_start(test);

	/* Nobody opens the gate: the work finishes by its own timeout. */
	tw->gate_ms = KTHREAD_TEST_QUIET_MS;
	KUNIT_EXPECT_TRUE(test, kthread_queue_work(tw->worker, &tw->gate_work));
	KUNIT_ASSERT_TRUE(test, kthread_test_wait(&tw->gate_started));

	KUNIT_EXPECT_FALSE(test, kthread_cancel_work_sync(&tw->gate_work));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(tw->gate_finished));
}

static struct kunit_case kthread_test_cases[] = {
	KUNIT_CASE(kthread_test_create_sleeps),
	KUNIT_CASE(kthread_test_defaults),
	KUNIT_CASE(kthread_test_name_truncated),
	KUNIT_CASE(kthread_test_stop_result),
	KUNIT_CASE(kthread_test_stop_never_woken),
	KUNIT_CASE(kthread_test_should_stop),
	KUNIT_CASE(kthread_test_stop_no_signal),
	KUNIT_CASE(kthread_test_stop_interrupts_wait),
	KUNIT_CASE(kthread_test_stop_wait_condition),
	KUNIT_CASE(kthread_test_stop_wait_condition_missing),
	KUNIT_CASE(kthread_test_stop_put_exited),
	KUNIT_CASE(kthread_test_complete_and_exit),
	KUNIT_CASE(kthread_test_park_unpark),
	KUNIT_CASE(kthread_test_park_before_wake),
	KUNIT_CASE(kthread_test_freezable),
	KUNIT_CASE(kthread_test_signals),
	KUNIT_CASE(kthread_test_sched_policy),
	KUNIT_CASE(kthread_test_worker_order),
	KUNIT_CASE(kthread_test_flush_work),
	KUNIT_CASE(kthread_test_delayed_work),
	KUNIT_CASE(kthread_test_cancel_pending),
	KUNIT_CASE(kthread_test_cancel_running),
	{}
};

static struct kunit_suite kthread_test_suite = {
	.name = "kthread",
	.test_cases = kthread_test_cases,
};

kunit_test_suite(kthread_test_suite);

MODULE_DESCRIPTION("KUnit tests for the kernel thread lifecycle");
MODULE_LICENSE("GPL");
