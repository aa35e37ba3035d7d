// SPDX-License-Identifier: GPL-2.0
/* Lines bash reads (bashreadline): a uretprobe on readline (or readline_internal_teardown,
 * which also catches the line being typed when recording starts) in bash itself, or in the
 * libreadline.so bash links, where only processes named bash are kept. */
#define LANE prio
#include "common.bpf.h"

static __always_inline int emit_line(const char *line)
{
	struct readline_event *e;
	__u32 limit;
	long n;

	if (!line || is_self())
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	fill_head(&e->h, EV_READLINE);
	/* limit counts the NUL: readline_bytes of text at most */
	limit = cfg.readline_bytes < READLINE_CAP - 1 ? cfg.readline_bytes + 1 : READLINE_CAP;
	if (limit > READLINE_CAP)
		limit = READLINE_CAP;
	n = bpf_probe_read_user_str((char *)e + sizeof(*e), limit & (READLINE_CAP * 2 - 1), line);
	if (n <= 0)
		return 0;
	if (n > limit)
		n = limit;
	e->truncated = 0;
	if (n == limit) {
		char next = 0;

		/* a line of exactly limit-1 bytes fills the buffer too: look at the byte after it */
		bpf_probe_read_user(&next, 1, line + n - 1);
		e->truncated = next != 0;
	}
	e->line_len = n - 1;
	emit(e, sizeof(*e) + e->line_len);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(handle_readline, const char *line)
{
	return emit_line(line);
}

SEC("uretprobe")
int BPF_KRETPROBE(handle_readline_lib, const char *line)
{
	char comm[TASK_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 'b' || comm[1] != 'a' || comm[2] != 's' || comm[3] != 'h' || comm[4] != 0)
		return 0;
	return emit_line(line);
}
