using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sesame.Client;

/// <summary>
/// A refresh lock shared by processes: an exclusive OS lock on a lock file (opened with <see cref="FileShare.None"/>) held while refreshing.
/// The OS drops the lock when the holding process dies, so a killed process never blocks the others; a waiter gives up after the timeout,
/// re-checks the store and tries again. Threads of one process first queue on an in-process semaphore so they do not all poll the file.
/// </summary>
public sealed class FileRefreshLock : IRefreshLock, IDisposable
{
    // Poll interval while another process holds the file lock. Waiting uses real time on purpose: it is about OS scheduling,
    // not about session expiry, so a test clock (FakeTimeProvider) must not freeze it.
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);
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

            var stream = new FileStream(LockFilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
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
