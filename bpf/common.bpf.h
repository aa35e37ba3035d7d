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
/* Same for the enums (kinds, caps, flag bits), which the generated layout also carries. */
struct event_enums {
	enum event_kind kind;
	enum secrec_caps caps;
	enum exec_source exec_source;
	enum exec_flags exec_flags;
	enum open_call open_call;
	enum open_oflags open_oflags;
	enum write_call write_call;
	enum tty_flags tty_flags;
};
struct event_enums *event_enums_anchor __attribute__((unused));

/* Two lanes. The priority lane takes what an investigator cannot do without and a user cannot
 * produce in bulk cheaply (process lifecycle, exec, tty writes, readline, modules); the bulk lane
 * takes opens and syscall errors, so a flood of those can fill only its own ring. The recorder
 * creates both once and every object reuses them; max_entries are set by the recorder. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} prio SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} bulk SEC(".maps");

#ifndef LANE
#error "define LANE (prio or bulk) before including common.bpf.h"
#endif

/* Records this family could not hand over (its lane's ring full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Variable-length records are built in a per-CPU scratch area, then copied out at their real
 * size. Every offset is clamped to its field's cap before use, so the sum of the caps (under
 * 72 KiB) bounds every write; the masks below only keep the verifier's bounds. */
#define OFF_MASK 0xffff

/* Applies a mask in the register the next helper call uses, where clang would drop it as a
 * no-op; the value was clamped before, so the mask never changes it. */
#define VERIFIER_BOUND(v, mask) asm volatile("%[x] &= " #mask : [x] "+r"(v))
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

/* Plain loads through the current task's BTF pointer: each field costs one instruction (the JIT
 * guards it against faults) where BPF_CORE_READ on an untyped pointer costs a helper call. */
static __always_inline void fill_head(struct event_head *h, __u16 kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	h->ts = bpf_ktime_get_ns();
	h->cgroup = bpf_get_current_cgroup_id();
	h->size = 0;
	h->kind = kind;
	h->flags = 0;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = task->real_parent->tgid;
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

/* The consumer polls (every POLL_MS) and is woken by the one record that takes its lane past
 * cfg.wake_bytes. A wakeup per record was most of the fork/exit programs' cost on a quiet host;
 * a wakeup per record while the lane stays past the mark (the consumer busy draining a storm,
 * nobody waiting) cost ~2-3 us per record in irq_work self-IPIs on this VM. `before` is what the
 * lane held before this record (the 8 added is the ring's record header). */
static __always_inline __u64 wake_flag(__u64 before, __u64 size)
{
	return before < cfg.wake_bytes && before + size + 8 >= cfg.wake_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Emits a record built in scratch, at its real size. */
static __always_inline void emit(void *rec, __u64 size)
{
	if (size > SCRATCH_SIZE)
		size = SCRATCH_SIZE;
	((struct event_head *)rec)->size = size;
	if (bpf_ringbuf_output(&LANE, rec, size, wake_flag(bpf_ringbuf_query(&LANE, BPF_RB_AVAIL_DATA), size)))
		count_drop();
}

/* Fixed-size records are written in place in the ring: no scratch, no copy. */
#define RESERVE(e) ({ (e) = bpf_ringbuf_reserve(&LANE, sizeof(*(e)), 0); if (!(e)) count_drop(); (e) != NULL; })

/* A reserved record already counts in the lane's data (rounded up to 8 with its header). */
static __always_inline void submit(void *rec, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&LANE, BPF_RB_AVAIL_DATA);
	__u64 taken = (size + 8 + 7) & ~7ULL;

	((struct event_head *)rec)->size = size;
	bpf_ringbuf_submit(rec, wake_flag(avail > taken ? avail - taken : 0, size));
}

/* The struct file behind fd in the current task, or NULL. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The current syscall's saved user registers (at a syscall's exit they still hold its arguments,
 * except the first on arm64, which orig_x0 keeps), read with plain BTF loads. */
static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}
#if defined(__TARGET_ARCH_x86)
#define SYSCALL_ARG1(r) ((r)->di)
#define SYSCALL_ARG2(r) ((r)->si)
#define SYSCALL_ARG3(r) ((r)->dx)
#define SYSCALL_ARG4(r) ((r)->r10)
#define SYSCALL_NR(r) ((r)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_ARG1(r) ((r)->orig_x0)
#define SYSCALL_ARG2(r) ((r)->regs[1])
#define SYSCALL_ARG3(r) ((r)->regs[2])
#define SYSCALL_ARG4(r) ((r)->regs[3])
#define SYSCALL_NR(r) ((r)->syscallno)
#else
#error "syscall arguments: unsupported architecture"
#endif

#endif
