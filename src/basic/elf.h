/* SPDX-License-Identifier: MIT */
#pragma once

/* Just enough ELF to tell what built an executable: the names of its sections, read from the
 * section header table (a few KiB at most, whatever the file's size). */

#include "basic/util.h"

/* Section tables larger than this are not believed (real executables have tens). */
#define ELF_SECTIONS_MAX 4096
#define ELF_SHSTRTAB_MAX (256 * 1024)

/* Is this the start of an ELF file? */
bool elf_magic(const void *head, size_t size);

/* The section names of the ELF file at host_path (a regular file, opened without blocking), in
 * table order, as a NULL-terminated string vector (NULL when it has none). 0 and *ret;
 * -ENOEXEC when it is not a well-formed 32- or 64-bit ELF file of this machine's byte order,
 * -EISDIR or -ENOTSUP when not a regular file, or the open/read errno. */
int elf_section_names(const char *host_path, char ***ret);

/* The place of the section called name in the ELF file open at fd (file_size bytes): 0 and
 * *ret_off, *ret_size (within the file); -ENOENT when it has no such section with contents,
 * -ENOEXEC when it is not a well-formed ELF file, or the read errno. */
int elf_section_range(int fd, uint64_t file_size, const char *name, uint64_t *ret_off, uint64_t *ret_size);
