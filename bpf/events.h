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
	EV_SYSERR = 5,
	EV_TTY = 6,
	EV_READLINE = 7,
	EV_MODULE = 8,
};

/* Hard caps compiled into the programs; the run-time settings in secrec_config may be lower. */
#define PATH_CAP 4096
#define ARGS_CAP 32768
#define WRITE_CAP 32768
#define READLINE_CAP 16384
#define MOUNT_CAP 256
#define DIR_DEPTH_CAP 24
#define IOV_CAP 16

struct secrec_config {
	__u32 self_tgid;     /* the recorder: never traced */
	__u32 arg_bytes;     /* argv bytes read per exec (<= ARGS_CAP) */
	__u32 write_bytes;   /* bytes kept of each write (<= WRITE_CAP) */
	__u32 path_bytes;    /* bytes kept of each path (<= PATH_CAP) */
	__u32 readline_bytes;
	__u32 stdio;         /* also writes to fd 1/2 that are not terminals */
	__u32 dir_depth;     /* components walked to resolve a relative open */
	__u32 max_args;      /* argv entries read on the failed-exec path */
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

#define EXEC_SRC_SCHED 0
#define EXEC_SRC_SYS_EXIT 1
#define EXEC_ARGS_TRUNC 1      /* more argv bytes/entries than were read */
#define EXEC_FILENAME_TRUNC 2

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
	__u16 argc;           /* entries in args (failed-exec path), 0 when split by the reader */
	__u32 args_len;       /* NUL-separated argv blob */
	__u32 args_total;     /* bytes of argv in the process (mm path) */
	__u64 unreadable;     /* bit i: argv[i] could not be read (failed-exec path) */
	__u64 truncated;      /* bit i: argv[i] cut at the per-argument limit */
	char comm_before[TASK_COMM_LEN];
};

#define OPEN_CALL_OPENAT 0
#define OPEN_CALL_OPEN 1
#define OPEN_CALL_OPENAT2 2
#define OPEN_PATH_TRUNC 1
#define OPEN_DIR_TRUNC 2

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

#define WRITE_CALL_WRITE 0
#define WRITE_CALL_WRITEV 1
#define WRITE_CALL_PWRITE64 2
#define WRITE_CALL_PWRITEV 3

struct tty_event {
	struct event_head h;
	__u32 rdev;
	__u32 fd;
	__u64 len;            /* bytes the caller asked to write */
	__u32 data_len;       /* tail: the first data_len bytes */
	__u16 call;
	__u16 is_tty;
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

struct syserr_event {
	struct event_head h;
	__u32 nr;
	__s32 ret;
	__u32 compat;
	__u32 pad;
};

#endif
