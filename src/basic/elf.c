/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "basic/elf.h"
#include "basic/fs.h"

bool elf_magic(const void *head, size_t size) {
        return size >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0;
}

/* pread() exactly n bytes at off: 0, -ENOEXEC when the file is shorter, or the errno. */
static int pread_all(int fd, void *buf, size_t n, uint64_t off) {
        size_t done = 0;
        while (done < n) {
                ssize_t k = pread(fd, (char *) buf + done, n - done, (off_t) (off + done));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ENOEXEC;
                done += (size_t) k;
        }
        return 0;
}

/* The section table's place and the string table's section header, from either class. */
typedef struct ElfTable {
        uint64_t shoff, str_off, str_size;
        size_t shnum, shentsize;
        unsigned shstrndx;
} ElfTable;

static int read_table(int fd, uint64_t file_size, ElfTable *t) {
        unsigned char ident[EI_NIDENT];
        int r = pread_all(fd, ident, sizeof(ident), 0);
        if (r < 0)
                return r;
        bool is64 = ident[EI_CLASS] == ELFCLASS64;
        const int native = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
        if (!elf_magic(ident, sizeof(ident)) || ident[EI_DATA] != native ||
            (!is64 && ident[EI_CLASS] != ELFCLASS32))
                return -ENOEXEC;
        if (is64) {
                Elf64_Ehdr h;
                if ((r = pread_all(fd, &h, sizeof(h), 0)) < 0)
                        return r;
                *t = (ElfTable) { .shoff = h.e_shoff, .shnum = h.e_shnum, .shentsize = h.e_shentsize,
                                  .shstrndx = h.e_shstrndx };
        } else {
                Elf32_Ehdr h;
                if ((r = pread_all(fd, &h, sizeof(h), 0)) < 0)
                        return r;
                *t = (ElfTable) { .shoff = h.e_shoff, .shnum = h.e_shnum, .shentsize = h.e_shentsize,
                                  .shstrndx = h.e_shstrndx };
        }
        size_t want = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
        if (t->shnum == 0)
                return 0;
        if (t->shnum > ELF_SECTIONS_MAX || t->shentsize != want || t->shstrndx >= t->shnum ||
            t->shoff > file_size || t->shnum * want > file_size - t->shoff)
                return -ENOEXEC;
        if (is64) {
                Elf64_Shdr s;
                if ((r = pread_all(fd, &s, sizeof(s), t->shoff + (uint64_t) t->shstrndx * want)) < 0)
                        return r;
                t->str_off = s.sh_offset, t->str_size = s.sh_size;
        } else {
                Elf32_Shdr s;
                if ((r = pread_all(fd, &s, sizeof(s), t->shoff + (uint64_t) t->shstrndx * want)) < 0)
                        return r;
                t->str_off = s.sh_offset, t->str_size = s.sh_size;
        }
        if (t->str_size > ELF_SHSTRTAB_MAX || t->str_off > file_size || t->str_size > file_size - t->str_off)
                return -ENOEXEC;
        return 0;
}

/* The fields of section header i that are read here, from either class. */
typedef struct ElfSection {
        uint64_t name, type, offset, size;
} ElfSection;

static int section_at(int fd, const ElfTable *t, size_t i, ElfSection *ret) {
        if (t->shentsize == sizeof(Elf64_Shdr)) {
                Elf64_Shdr s;
                int r = pread_all(fd, &s, sizeof(s), t->shoff + i * t->shentsize);
                *ret = (ElfSection) { s.sh_name, s.sh_type, s.sh_offset, s.sh_size };
                return r;
        }
        Elf32_Shdr s;
        int r = pread_all(fd, &s, sizeof(s), t->shoff + i * t->shentsize);
        *ret = (ElfSection) { s.sh_name, s.sh_type, s.sh_offset, s.sh_size };
        return r;
}

/* sh_name of section i. */
static int section_name_at(int fd, const ElfTable *t, size_t i, uint64_t *ret) {
        ElfSection s = {};
        int r = section_at(fd, t, i, &s);
        *ret = s.name;
        return r;
}

/* The section name string table, NUL-terminated. */
static int read_strtab(int fd, const ElfTable *t, char **ret) {
        _cleanup_free_ char *strtab = malloc(t->str_size + 1);
        if (!strtab)
                return -ENOMEM;
        int r = pread_all(fd, strtab, t->str_size, t->str_off);
        if (r < 0)
                return r;
        strtab[t->str_size] = 0;
        *ret = TAKE_PTR(strtab);
        return 0;
}

static int collect_names(int fd, const ElfTable *t, char ***ret) {
        _cleanup_free_ char *strtab = NULL;
        int r = read_strtab(fd, t, &strtab);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **names = NULL;
        for (size_t i = 0; i < t->shnum; i++) {
                uint64_t off = 0;
                if ((r = section_name_at(fd, t, i, &off)) < 0)
                        return r;
                if (off >= t->str_size)
                        return -ENOEXEC;
                if (strtab[off] && (r = strv_extend(&names, strtab + off)) < 0)
                        return r;
        }
        *ret = TAKE_PTR(names);
        return 0;
}

int elf_section_names(const char *host_path, char ***ret) {
        struct stat st;
        _cleanup_close_ int fd = fs_open_regular(host_path, &st);
        if (fd < 0)
                return fd;
        ElfTable t = {};
        int r = read_table(fd, (uint64_t) st.st_size, &t);
        if (r < 0)
                return r;
        *ret = NULL;
        return t.shnum ? collect_names(fd, &t, ret) : 0;
}

int elf_section_range(int fd, uint64_t file_size, const char *name, uint64_t *ret_off, uint64_t *ret_size) {
        ElfTable t = {};
        int r = read_table(fd, file_size, &t);
        if (r < 0)
                return r;
        if (t.shnum == 0)
                return -ENOENT;
        _cleanup_free_ char *strtab = NULL;
        if ((r = read_strtab(fd, &t, &strtab)) < 0)
                return r;
        for (size_t i = 0; i < t.shnum; i++) {
                ElfSection s = {};
                if ((r = section_at(fd, &t, i, &s)) < 0)
                        return r;
                if (s.name >= t.str_size)
                        return -ENOEXEC;
                if (!streq(strtab + s.name, name) || s.type == SHT_NOBITS)
                        continue;
                if (s.offset > file_size || s.size > file_size - s.offset)
                        return -ENOEXEC;
                *ret_off = s.offset;
                *ret_size = s.size;
                return 0;
        }
        return -ENOENT;
}
