/* SPDX-License-Identifier: GPL-2.0 */
/* What every probe family shares: settings, the ring buffer, the drop counter, a per-CPU
 * scratch record, and the one helper that fills a record head and one that emits it. */
#ifndef SECREC_COMMON_BPF_H
#define SECREC_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the recorder between open and load; the only variable in .rodata. */
const volatile struct secrec_config cfg = {};

/* Puts every record struct in each object's BTF, so the recorder's decoder offsets can be
 * generated from the compiled objects (scripts/gen-layout.mjs). Never read. */
struct event_types {
	struct event_head head;
	struct fork_event fork;
	struct exit_event exit;
	struct exec_event exec;
	struct open_event open;
	struct tty_event tty;
	struct readline_event readline;
	struct module_event module;
	struct syserr_event syserr;
};
struct event_types *event_types_anchor __attribute__((unused));

/* One ring buffer for every family: the recorder creates it once and every object reuses it,
 * so events keep their order. max_entries is set by the recorder (--ring-mb). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/* Records this family could not hand over (ring buffer full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Offsets into the scratch record are masked to 64 KiB and single reads are at most 64 KiB. */
#define OFF_MASK 0xffff
#define SCRATCH_SIZE (2 * 65536 + 4096)

struct scratch_rec {
	char b[SCRATCH_SIZE];
};

/* Indexed by CPU; max_entries is set to the number of possible CPUs by the recorder. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch_rec);
} scratch SEC(".maps");

#define AT_FDCWD -100
#define EPERM 1
#define EACCES 13
#define S_IFMT 00170000
#define S_IFCHR 0020000
#define MINORBITS 20

static __always_inline bool is_self(void)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid;
}

static __always_inline void *scratch_rec(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch, &cpu);
}

static __always_inline void fill_head(struct event_head *h, __u16 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	h->ts = bpf_ktime_get_ns();
	h->cgroup = bpf_get_current_cgroup_id();
	h->size = 0;
	h->kind = kind;
	h->flags = 0;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);

	if (n)
		*n += 1;
}

static __always_inline void emit(void *rec, __u64 size)
{
	if (size > SCRATCH_SIZE)
		size = SCRATCH_SIZE;
	((struct event_head *)rec)->size = size;
	if (bpf_ringbuf_output(&events, rec, size, 0))
		count_drop();
}

/* The struct file behind fd in the current task, or NULL. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#endif
