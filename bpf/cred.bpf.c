// SPDX-License-Identifier: GPL-2.0
/* Credential changes (set*uid/set*gid that changed an id), with the ids before and after: the
 * syscalls:sys_enter_* tracepoint of each call keeps the thread's ids, its sys_exit_* emits them
 * with the new ones. Per-call tracepoints run only for these calls: measured with bench/progcost.sh
 * (issue 14), a raw sys_enter/sys_exit pair dispatching on the number ran on every syscall of the
 * 200k-open storm at 83 + 62 ns (medians of 3), these programs not at all (a set*id call costs
 * them ~1-3 us). Rare, and what an investigator asks first about a privilege escalation: the
 * priority lane. */
#define LANE prio
#include "common.bpf.h"

struct cred_ids {
	__u32 uid, gid, suid, sgid, euid, egid, fsuid, fsgid;
};

/* Ids of the threads inside one of these calls, by thread id. LRU: a thread that never comes back
 * (killed in the call) cannot fill it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct cred_ids);
} cred_before SEC(".maps");

/* Plain loads through the task's BTF pointer (as fill_head does), not a helper call per id. */
static __always_inline void read_ids(struct cred_ids *o)
{
	const struct cred *c = bpf_get_current_task_btf()->real_cred;

	o->uid = c->uid.val;
	o->gid = c->gid.val;
	o->suid = c->suid.val;
	o->sgid = c->sgid.val;
	o->euid = c->euid.val;
	o->egid = c->egid.val;
	o->fsuid = c->fsuid.val;
	o->fsgid = c->fsgid.val;
}

static __always_inline bool changed(const struct cred_ids *a, const struct cred_ids *b)
{
	return a->uid != b->uid || a->gid != b->gid || a->suid != b->suid || a->sgid != b->sgid ||
	       a->euid != b->euid || a->egid != b->egid || a->fsuid != b->fsuid || a->fsgid != b->fsgid;
}

static __always_inline int enter(void)
{
	struct cred_ids ids;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (is_self())
		return 0;
	read_ids(&ids);
	bpf_map_update_elem(&cred_before, &tid, &ids, BPF_ANY);
	return 0;
}

static __always_inline int leave(long ret, __u16 call)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cred_ids *old = bpf_map_lookup_elem(&cred_before, &tid);
	struct cred_ids now;
	struct cred_event *e;
	bool fs = call == CRED_CALL_SETFSUID || call == CRED_CALL_SETFSGID;

	if (!old)
		return 0;
	read_ids(&now);
	/* Only a change: a failed call, and a root helper's setgid(0) as root, are not recorded.
	 * setfsuid/setfsgid return the previous fs id whether or not they changed it. */
	if ((!fs && ret != 0) || !changed(old, &now))
		goto out;
	if (!RESERVE(e))
		goto out;
	fill_head(&e->h, EV_CRED);
	e->old_uid = old->uid; e->old_gid = old->gid; e->old_suid = old->suid; e->old_sgid = old->sgid;
	e->old_euid = old->euid; e->old_egid = old->egid; e->old_fsuid = old->fsuid; e->old_fsgid = old->fsgid;
	e->uid = now.uid; e->gid = now.gid; e->suid = now.suid; e->sgid = now.sgid;
	e->euid = now.euid; e->egid = now.egid; e->fsuid = now.fsuid; e->fsgid = now.fsgid;
	e->ret = ret;
	e->call = call;
	e->pad = 0;
	submit(e, sizeof(*e));
out:
	bpf_map_delete_elem(&cred_before, &tid);
	return 0;
}

#define CRED_CALL(name, CALL)                                                   \
	SEC("tracepoint/syscalls/sys_enter_" #name)                            \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)          \
	{                                                                       \
		return enter();                                                 \
	}                                                                       \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)            \
	{                                                                       \
		return leave(ctx->ret, CALL);                                   \
	}

CRED_CALL(setuid, CRED_CALL_SETUID)
CRED_CALL(setgid, CRED_CALL_SETGID)
CRED_CALL(setreuid, CRED_CALL_SETREUID)
CRED_CALL(setregid, CRED_CALL_SETREGID)
CRED_CALL(setresuid, CRED_CALL_SETRESUID)
CRED_CALL(setresgid, CRED_CALL_SETRESGID)
CRED_CALL(setfsuid, CRED_CALL_SETFSUID)
CRED_CALL(setfsgid, CRED_CALL_SETFSGID)
