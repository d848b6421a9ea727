#include "tools/minictr/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/minictr/fsutil.h"

#define FNV_OFFSET 0xcbf29ce484222325ull

uint64_t image_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int cache_root(char *buf, size_t len, struct err *e)
{
	const char *env = getenv("MINICTR_CACHE");
	const char *home = getenv("HOME");
	const char *xdg = getenv("XDG_CACHE_HOME");
	int n, r;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/var/cache/minictr");
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/minictr", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/minictr", home);
	else
		return err_set(e, ENOENT, "no cache directory: set MINICTR_CACHE or HOME");
	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENAMETOOLONG, "cache path too long");
	if ((r = mkdir_p(buf, 0700, e)) < 0)
		return r;
	/* The copies keep the image's setuid files: nobody but us may reach
	 * them, whatever mode an older minictr gave the directory. */
	if (chmod(buf, 0700) < 0)
		return err_sys(e, "chmod %s", buf);
	return 0;
}

uint64_t image_tar_key(uint64_t h, const struct stat *st)
{
	/* Size and mtime can be put back after a rewrite (touch -d, tar -x);
	 * the inode change time cannot, and a replaced file is a new inode. */
	uint64_t f[8] = { (uint64_t)st->st_size,	 (uint64_t)st->st_mtim.tv_sec,
			  (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ctim.tv_sec,
			  (uint64_t)st->st_ctim.tv_nsec, (uint64_t)st->st_ino,
			  (uint64_t)st->st_dev,		 (uint64_t)st->st_mode };

	return image_hash(h, f, sizeof(f));
}

/* Run argv and wait; stdout goes to stderr so it never mixes with COMMAND's. */
static int run(char *const argv[], struct err *e)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return err_sys(e, "fork for %s", argv[0]);
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return err_sys(e, "wait for %s", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EIO, "%s %s failed (status %d)", argv[0], argv[1], status);
	return 0;
}

/* A depth-first walk with a context pointer (nftw has none), not following
 * symlinks; cb gets the path relative to the root ("" for the root). */
struct walk {
	int (*cb)(struct walk *w, int dirfd, const char *name, const char *rel,
		  const struct stat *st);
	const struct idmap *map; /* NULL: owners kept */
	uint64_t hash;
	unsigned depth;
	struct err *e; /* set by cb when it fails */
};

static int walk_dir(struct walk *w, int fd0, const char *rel)
{
	DIR *d = fdopendir(fd0);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(fd0);
		return -errno;
	}
	if (++w->depth > 64) {
		closedir(d);
		return -ELOOP;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) >= (int)sizeof(sub)) {
			r = -ENAMETOOLONG;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		r = w->cb(w, dirfd(d), de->d_name, sub, &st);
		if (r == 0 && S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = fd < 0 ? -errno : walk_dir(w, fd, sub);
		}
	}
	w->depth--;
	closedir(d);
	return r;
}

static int walk_tree(struct walk *w, const char *root)
{
	struct stat st;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = fstat(fd, &st) < 0 ? -errno : w->cb(w, fd, ".", "", &st);
	if (r < 0) {
		close(fd);
		return r;
	}
	return walk_dir(w, fd, "");
}

int image_map_owner(const struct idmap *m, const char *rel, uint32_t uid, uint32_t gid,
		    uint32_t *host_uid, uint32_t *host_gid, struct err *e)
{
	int64_t hu = idmap_to_host(m, uid), hg = idmap_to_host(m, gid);

	/* An id the map does not cover would wrap or land outside the
	 * container's range (uid 4294867296 + 100000 is root). */
	if (hu < 0 || hg < 0)
		return err_set(e, ERANGE,
			       "image file %s is owned by %u:%u, outside the container's id map",
			       rel, uid, gid);
	*host_uid = (uint32_t)hu;
	*host_gid = (uint32_t)hg;
	return 0;
}

/* Make one copied entry safe to keep: no device node from an image reaches
 * the host, owners move into the container's range. */
static int fix_one(struct walk *w, int dirfd, const char *name, const char *rel,
		   const struct stat *st)
{
	uint32_t uid = 0, gid = 0;
	int r;

	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0)
			return err_sys(w->e, "remove device node %s", rel);
		return 0;
	}
	if (!w->map)
		return 0;
	if ((r = image_map_owner(w->map, rel, st->st_uid, st->st_gid, &uid, &gid, w->e)) < 0)
		return r;
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(w->e, "chown %s", rel);
	/* chown clears set-id bits: put the mode back on everything but symlinks. */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(dirfd, name, st->st_mode & 07777, 0) < 0)
		return err_sys(w->e, "chmod %s", rel);
	return 0;
}

static int hash_one(struct walk *w, int dirfd, const char *name, const char *rel,
		    const struct stat *st)
{
	uint64_t fields[6] = { st->st_mode,
			       st->st_uid,
			       st->st_gid,
			       (uint64_t)st->st_size,
			       (uint64_t)st->st_mtim.tv_sec,
			       (uint64_t)st->st_mtim.tv_nsec };

	(void)dirfd;
	(void)name;
	w->hash = image_hash(w->hash, rel, strlen(rel) + 1);
	w->hash = image_hash(w->hash, fields, sizeof(fields));
	return 0;
}

/* Build the cached copy in a temporary directory, then rename it in place so a
 * half-built image is never used. */
static int build(const char *src, bool is_tar, const struct idmap *map, const char *dst,
		 struct err *e)
{
	char tmp[PATH_MAX], from[PATH_MAX + 2];
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", dst, (int)getpid()) >= (int)sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "cache path too long");
	if (mkdir(tmp, 0700) < 0)
		return err_sys(e, "mkdir %s", tmp);
	if (is_tar) {
		char tar[] = "tar", xf[] = "-xf", dash_c[] = "-C";
		snprintf(from, sizeof(from), "%s", src);
		char *const argv[] = { tar, xf, from, dash_c, tmp, NULL };
		r = run(argv, e);
	} else {
		char cp[] = "cp", a[] = "-a";
		snprintf(from, sizeof(from), "%s/.", src);
		char *const argv[] = { cp, a, from, tmp, NULL };
		r = run(argv, e);
	}
	if (r == 0) {
		struct walk w = { .cb = fix_one, .map = map, .e = e };
		e->msg[0] = '\0';
		int wr = walk_tree(&w, tmp);
		if (wr < 0)
			r = e->msg[0] ? wr : err_set(e, wr, "walk %s: %s", tmp, strerror(-wr));
	}
	if (r == 0 && rename(tmp, dst) < 0) {
		/* Another minictr built the same image meanwhile: use theirs. */
		if (errno != EEXIST && errno != ENOTEMPTY)
			r = err_sys(e, "rename %s", tmp);
	}
	if (access(tmp, F_OK) == 0) {
		struct err ignored;
		remove_tree(tmp, &ignored);
	}
	return r;
}

int image_resolve(const char *rootfs, const struct idmap *map, bool verbose, char *lower,
		  size_t len, struct err *e)
{
	char real[PATH_MAX], cache[PATH_MAX], dst[PATH_MAX + 64];
	struct stat st;
	uint64_t key = FNV_OFFSET;
	bool is_tar;
	int r;

	if (!realpath(rootfs, real))
		return err_sys(e, "rootfs %s", rootfs);
	if (stat(real, &st) < 0)
		return err_sys(e, "rootfs %s", rootfs);
	is_tar = S_ISREG(st.st_mode);
	if (!is_tar && !S_ISDIR(st.st_mode))
		return err_set(e, EINVAL, "rootfs %s is neither a directory nor a tar archive",
			       rootfs);
	/* Without root, files the caller does not own stay unmapped (nobody) in
	 * the container and cannot be copied up: use a copy the caller owns. */
	bool foreign = geteuid() != 0 && st.st_uid != geteuid();
	if (!is_tar && !map && !foreign) {
		if (strlen(real) >= len)
			return err_set(e, ENAMETOOLONG, "rootfs path too long");
		strcpy(lower, real);
		return 0;
	}
	key = image_hash(key, real, strlen(real));
	if (map)
		key = image_hash(key, map->r, map->n * sizeof(map->r[0]));
	if (is_tar) {
		key = image_tar_key(key, &st);
	} else {
		/* A directory may change under us: key on every entry's metadata. */
		struct walk w = { .cb = hash_one, .hash = key };
		int wr = walk_tree(&w, real);
		if (wr < 0)
			return err_set(e, wr, "scan rootfs %s: %s", real, strerror(-wr));
		key = w.hash;
	}
	if ((r = cache_root(cache, sizeof(cache), e)) < 0)
		return r;
	snprintf(dst, sizeof(dst), "%s/%016llx", cache, (unsigned long long)key);
	if (access(dst, F_OK) != 0) {
		if (verbose)
			fprintf(stderr, "minictr: preparing image %s in %s (owners %s)\n", real,
				dst, map ? "shifted" : "kept");
		if ((r = build(real, is_tar, map, dst, e)) < 0)
			return err_wrap(e, "prepare image %s", rootfs);
	}
	if (strlen(dst) >= len)
		return err_set(e, ENAMETOOLONG, "image path too long");
	strcpy(lower, dst);
	return 0;
}
