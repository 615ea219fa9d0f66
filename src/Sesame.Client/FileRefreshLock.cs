using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sesame.Client;

/// <summary>
/// A refresh lock shared by processes: an exclusive OS lock on a lock file (opened with <see cref="FileShare.None"/>) held while refreshing.
/// The OS drops the lock when the holding process dies, so a killed process never blocks the others; a waiter gives up after the timeout,
/// re-checks the store and tries again, until <see cref="SesameClientOptions.RefreshLockMaxWait"/> (then a <see cref="TimeoutException"/>).
/// The file is created readable and writable by its owner only (Unix). Threads of one process first queue on an in-process semaphore so they do not all poll the file.
/// </summary>
public sealed class FileRefreshLock : IRefreshLock, IDisposable
{
    // Poll interval while another process holds the file lock. Waiting uses real time on purpose: it is about OS scheduling,
    // not about session expiry, so a test clock (FakeTimeProvider) must not freeze it.
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly SemaphoreSlim _inProcess = new(1, 1);

    /// <summary>Creates a lock on <paramref name="lockFilePath"/> (created if missing; never deleted, deleting a lock file races with other lockers).</summary>
    /// <param name="lockFilePath">The lock file, usually <c>&lt;token file&gt;.lock</c>.</param>
    public FileRefreshLock(string lockFilePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lockFilePath);
        LockFilePath = Path.GetFullPath(lockFilePath);
    }

    /// <summary>The lock file.</summary>
    public string LockFilePath { get; }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!await _inProcess.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            while (true)
            {
                var stream = TryOpenExclusive();
                if (stream is not null)
                {
                    var handle = new Handle(stream, _inProcess);
                    stream = null;
                    return handle;
                }

                if (Stopwatch.GetElapsedTime(started) >= timeout)
                {
                    _inProcess.Release();
                    return null;
                }

                await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _inProcess.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _inProcess.Dispose();

    private FileStream? TryOpenExclusive()
    {
        try
        {
            var directory = Path.GetDirectoryName(LockFilePath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            // Owner-only, like the token file: another local user who could open the file could also hold its lock.
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            var stream = new FileStream(LockFilePath, options);
            if (!OperatingSystem.IsWindows())
            {
                RestrictExisting(stream);
            }

            try
            {
                // The holder's process id, for whoever looks at a lock file while debugging.
                var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
                stream.SetLength(0);
                stream.Write(pid);
                stream.Flush();
            }
            catch (IOException)
            {
                // Diagnostics only.
            }

            return stream;
        }
        catch (IOException)
        {
            // Held by another process (sharing violation / flock EWOULDBLOCK).
            return null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => "the refresh lock file " + LockFilePath;

    /// <summary>A lock file created by an older version (or by anyone else) may be readable by others: narrow it when it is ours.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void RestrictExisting(FileStream stream)
    {
        try
        {
            if (File.GetUnixFileMode(stream.SafeFileHandle) != OwnerOnly)
            {
                File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnly);
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // Another user's file: the bounded wait of the refresh (RefreshLockMaxWait) is what protects against its owner.
        }
    }

    private sealed class Handle(FileStream stream, SemaphoreSlim inProcess) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                inProcess.Release();
            }
        }
    }
}
