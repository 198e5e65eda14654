/* void nocfi_call(void (*fn)(void *), void *arg): calls fn(arg) from a frame with no CFI at all (no
 * .cfi directives: no FDE in .eh_frame or .debug_frame), the shape of a JIT's stub: a frame-pointer
 * frame whose stack pointer is below its frame pointer.  Only libunwind's frame-pointer guess steps it. */
	.text
	.globl	nocfi_call
	.type	nocfi_call, @function
nocfi_call:
	pushq	%rbp
	movq	%rsp, %rbp
	subq	$48, %rsp
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	leave
	ret
	.size	nocfi_call, .-nocfi_call
	.section	.note.GNU-stack,"",@progbits
