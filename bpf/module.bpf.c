// SPDX-License-Identifier: GPL-2.0
/* Kernel module loads (modsnoop): the module:module_load tracepoint, on kernels built with
 * module support. Its context is declared here, from the tracepoint's format, because a
 * vmlinux.h of a kernel without modules does not have it. */
#define LANE prio
#include "common.bpf.h"

struct module_load_ctx {
	__u64 common;
	unsigned int taints;
	__u32 name_loc; /* __data_loc char[]: offset | length << 16 */
};

SEC("tracepoint/module/module_load")
int handle_module_load(struct module_load_ctx *ctx)
{
	struct module_event *e;
	__u32 loc = ctx->name_loc;
	long n;

	if (is_self())
		return 0;
	e = scratch_rec();
	if (!e)
		return 0;
	fill_head(&e->h, EV_MODULE);
	e->taints = ctx->taints;
	n = bpf_probe_read_kernel_str((char *)e + sizeof(*e), MODULE_NAME_CAP, (char *)ctx + (loc & 0xffff));
	if (n > MODULE_NAME_CAP)
		n = MODULE_NAME_CAP;
	e->name_len = n > 0 ? n - 1 : 0;
	emit(e, sizeof(*e) + e->name_len);
	return 0;
}
