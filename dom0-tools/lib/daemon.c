/* daemon.c: process set-up shared by xenconsoled, the pvisor launcher and xl's monitor. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <pvisor/daemon.h>

int dom0_stdio_to_log(const char *log_path)
{
    int r = 0;
    int fd = open("/dev/null", O_RDONLY);

    if (fd > STDIN_FILENO) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    } else if (fd < 0) {
        r = -errno;
    }
    fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return r ? r : -errno;
    if (fd != STDOUT_FILENO)
        dup2(fd, STDOUT_FILENO);
    if (fd != STDERR_FILENO)
        dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO)
        close(fd);
    return r;
}
