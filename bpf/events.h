/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel -> user records. Defined once here; the recorder's TypeScript decoder offsets are
 * generated from the BTF of the compiled objects (scripts/gen-layout.mjs), never typed by hand.
 * Every record is a fixed head plus, for variable kinds, a tail whose lengths are fields. */
#ifndef SECREC_EVENTS_H
#define SECREC_EVENTS_H

#define TASK_COMM_LEN 16

enum event_kind {
	EV_FORK = 1,
	EV_EXIT = 2,
	EV_EXEC = 3,
	EV_OPEN = 4,
	EV_SYSCALL_ERROR = 5,
	EV_TTY = 6,
	EV_READLINE = 7,
	EV_MODULE = 8,
	EV_CRED = 9,
};

/* Hard caps compiled into the programs; the run-time settings in secrec_config may be lower.
 * An enum, not macros, so the values reach the objects' BTF and the recorder's generated layout.
 * Every variable-length write is clamped to its cap before it is made: a record's fields can
 * never overlap, whatever a user passes (masks are only there to convince the verifier). */
enum secrec_caps {
	PATH_CAP = 4096,        /* bytes of a path, with its NUL */
	ARG_CAP = 4096,         /* bytes of one argument, with its NUL */
	ARGS_CAP = 61440,       /* argv bytes per exec (60 KiB) */
	MAX_ARGV = 64,          /* argv entries read on the failed-exec path */
	WRITE_CAP = 65535,      /* bytes kept of one write */
	IOV_CAP = 1024,         /* iovecs summed per writev (UIO_MAXIOV) */
	READLINE_CAP = 16384,   /* bytes of a command line, with its NUL */
	MOUNT_CAP = 256,
	NAME_CAP = 256,         /* one directory component */
	DIR_DEPTH_CAP = 24,
	MODULE_NAME_CAP = 64,
	MALFORMED_KEEP = 4096,  /* bytes of a malformed record kept in the capture */
};

struct secrec_config {
	__u32 self_tgid;     /* the recorder: never traced */
	__u32 arg_bytes;     /* argv bytes read per exec (<= ARGS_CAP) */
	__u32 write_bytes;   /* bytes kept of each write (<= WRITE_CAP) */
	__u32 path_bytes;    /* bytes kept of each path (<= PATH_CAP) */
	__u32 readline_bytes;
	__u32 stdio;         /* also writes to fd 1/2 that are not terminals */
	__u32 dir_depth;     /* components walked to resolve a relative open */
	__u32 max_args;      /* argv entries read on the failed-exec path */
	__u32 args_bytes;    /* argv bytes read per exec, total (<= ARGS_CAP) */
	__u32 wake_bytes;    /* wake the consumer once a ring holds this much; else it polls */
	__u64 out_ino;       /* the recorder's output pipe: writes of its readers are not traced */
	__u32 out_dev;
	__u32 pad;
};

struct event_head {
	__u64 ts;        /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u64 cgroup;
	__u32 size;      /* head + tail bytes */
	__u16 kind;      /* enum event_kind */
	__u16 flags;
	__u32 pid;       /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 cpu;
	char comm[TASK_COMM_LEN];
};

struct fork_event {
	struct event_head h;
	__u32 child_pid;
	__u32 child_tid;
	__u32 thread;
	__u32 pad;
};

struct exit_event {
	struct event_head h;
	__s32 exit_code;   /* task->exit_code: status << 8 | core << 7 | signal */
	__u32 pad;
	__u64 start_ns;    /* group leader's start_time, CLOCK_MONOTONIC */
};

enum exec_source { EXEC_SRC_SCHED = 0, EXEC_SRC_SYS_EXIT = 1 };
enum exec_flags {
	EXEC_ARGS_TRUNC = 1,      /* more argv bytes/entries than were read */
	EXEC_FILENAME_TRUNC = 2,
	EXEC_ARGS_UNREADABLE = 4, /* the argv area of the new image could not be read */
};

struct exec_event {
	struct event_head h;
	__s32 ret;
	__u32 old_tid;
	__u64 ino;
	__u32 dev;
	__u16 source;
	__u16 eflags;
	__u16 filename_len;   /* tail: filename, interp, mount, args; lengths include no NUL */
	__u16 interp_len;
	__u16 mount_len;
	__u16 argc;           /* argument count (bprm->argc, or entries read on the failed path) */
	__u32 args_len;       /* NUL-separated argv blob, each entry NUL-ended */
	__u32 args_total;     /* bytes of argv in the process (mm path) */
	__u64 unreadable;     /* bit i: argv[i] could not be read (failed-exec path) */
	__u64 truncated;      /* bit i: argv[i] cut at the per-argument limit */
	char comm_before[TASK_COMM_LEN];
};

enum open_call { OPEN_CALL_OPENAT = 0, OPEN_CALL_OPEN = 1, OPEN_CALL_OPENAT2 = 2 };
enum open_oflags { OPEN_PATH_TRUNC = 1, OPEN_DIR_TRUNC = 2 };

struct open_event {
	struct event_head h;
	__s32 ret;
	__s32 dirfd;
	__u32 flags;
	__u32 mode;
	__u64 resolve;
	__u16 call;
	__u16 oflags;
	__u16 path_len;       /* tail: path, then dir components leaf-first, each NUL-ended */
	__u16 dir_len;
};

enum write_call { WRITE_CALL_WRITE = 0, WRITE_CALL_WRITEV = 1, WRITE_CALL_PWRITE64 = 2, WRITE_CALL_PWRITEV = 3 };

enum tty_flags { TTY_CUT = 1 };  /* data is not all the call wrote (cap, unreadable iovec) */

struct tty_event {
	struct event_head h;
	__u32 rdev;
	__u32 fd;
	__u64 len;            /* bytes the call wrote (its return value), over every iovec */
	__u32 data_len;       /* tail: the first data_len bytes */
	__u16 call;
	__u16 is_tty;
	__u16 rows;           /* tty winsize, 0 when not a terminal */
	__u16 cols;
	__u16 tflags;
	__u16 pad;
};

struct readline_event {
	struct event_head h;
	__u32 line_len;       /* tail */
	__u32 truncated;
};

struct module_event {
	struct event_head h;
	__u32 taints;
	__u32 name_len;       /* tail */
};

struct syscall_error_event {
	struct event_head h;
	__u32 nr;
	__s32 ret;
	__u32 compat;
	__u32 pad;
};

/* A credential change: a set*uid/set*gid call that changed an id, with the ids before and after (kernel ids, as
 * struct cred holds them: the initial user namespace). The order of each group is struct cred's. */
enum cred_call {
	CRED_CALL_SETUID = 0, CRED_CALL_SETGID = 1, CRED_CALL_SETREUID = 2, CRED_CALL_SETREGID = 3,
	CRED_CALL_SETRESUID = 4, CRED_CALL_SETRESGID = 5, CRED_CALL_SETFSUID = 6, CRED_CALL_SETFSGID = 7,
};

struct cred_event {
	struct event_head h;  /* h.uid/h.gid: after the call */
	__u32 old_uid, old_gid, old_suid, old_sgid, old_euid, old_egid, old_fsuid, old_fsgid;
	__u32 uid, gid, suid, sgid, euid, egid, fsuid, fsgid;
	__s32 ret;            /* 0; for setfsuid/setfsgid, the previous fs id */
	__u16 call;           /* enum cred_call */
	__u16 pad;
};

#endif
