using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Reloads the key ring from the store every <see cref="SesameServerOptions.KeyReloadInterval"/>, so a key revoked (or made) on
/// one instance is dropped (or trusted) by every other instance within that interval, and due rotations and deletions happen
/// without waiting for a request. A timer of the injected <see cref="TimeProvider"/>; a failed round (store down) is logged and
/// the next one retries.
/// </summary>
internal sealed class KeyRingReloader(SigningKeyRing keys, SesameSettings settings, TimeProvider time, ILogger<KeyRingReloader> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private Task _lastReload = Task.CompletedTask;
    private int _running;

    /// <summary>The reload the last timer tick started (tests await it after advancing a fake clock).</summary>
    internal Task LastReload => Volatile.Read(ref _lastReload);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = settings.Options.KeyReloadInterval;
        _timer = time.CreateTimer(static state => ((KeyRingReloader)state!).Tick(), this, interval, interval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void Tick()
    {
        // One round at a time: a slow store must not pile up reloads.
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        // Off the timer's thread: the store's calls may complete synchronously (SQLite), and a timer callback should not do I/O.
        Volatile.Write(ref _lastReload, Task.Run(ReloadAsync));
    }

    private async Task ReloadAsync()
    {
        try
        {
            await keys.ReloadAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SessionStoreUnavailableException or InvalidOperationException
            or System.Security.Cryptography.CryptographicException)
        {
            Log.PeriodicKeyReloadFailed(logger, ex);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // shutting down
        }
        catch (ObjectDisposedException) when (_stopping.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
