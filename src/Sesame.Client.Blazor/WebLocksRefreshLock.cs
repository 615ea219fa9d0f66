using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Sesame.Client.Blazor.Internal;

namespace Sesame.Client.Blazor;

/// <summary>
/// The refresh lock across browser tabs: a Web Lock (<c>navigator.locks</c>) of the origin, so when several tabs hit an expired session at
/// once one refreshes and the others, once they get the lock, see the new stamp and re-send without refreshing. The browser releases the
/// lock if its tab closes or crashes, so a lost holder never blocks the others. By default it also takes the official JavaScript client's
/// lock (<see cref="SesameBlazorOptions.ShareRefreshLockWithOfficialClient"/>), so both clients in one origin take turns. Where Web Locks are missing (pages served over plain http
/// from a host other than localhost) the lock falls back to this tab only and logs a warning once.
/// </summary>
public sealed class WebLocksRefreshLock : IRefreshLock, IDisposable
{
    private readonly SesameBrowserInterop _browser;
    private readonly string _name;
    private readonly bool _shareWithOfficialClient;
    private readonly ILogger _logger;
    private readonly InProcessRefreshLock _tabOnly = new();
    private int _nextId;
    private int _warned;

    /// <summary>Creates the lock.</summary>
    /// <param name="browser">The package's JavaScript module.</param>
    /// <param name="options">The lock name.</param>
    /// <param name="logger">Optional logger.</param>
    public WebLocksRefreshLock(SesameBrowserInterop browser, IOptions<SesameBlazorOptions> options, ILogger<WebLocksRefreshLock>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _browser = browser ?? throw new ArgumentNullException(nameof(browser));
        _name = options.Value.RefreshLockName;
        _shareWithOfficialClient = options.Value.ShareRefreshLockWithOfficialClient;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var module = await _browser.GetModuleAsync(cancellationToken).ConfigureAwait(false);
        if (!_browser.LocksSupported(module))
        {
            if (Interlocked.Exchange(ref _warned, 1) == 0)
            {
                Log.WebLocksUnavailable(_logger);
            }

            return await _tabOnly.TryAcquireAsync(timeout, cancellationToken).ConfigureAwait(false);
        }

        // The JavaScript side withdraws the request when the timeout passes, so a lock is never granted to a caller that stopped waiting.
        // The caller's token is not passed into JavaScript for the same reason: the wait is bounded by the timeout, and a lock granted after
        // cancellation is released here at once.
        var id = Interlocked.Increment(ref _nextId);
        var timeoutMs = timeout == Timeout.InfiniteTimeSpan ? int.MaxValue : (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);
        var acquired = await module.InvokeAsync<bool>("acquireLock", CancellationToken.None, id, _name, timeoutMs, _shareWithOfficialClient).ConfigureAwait(false);
        if (!acquired)
        {
            return null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            module.InvokeVoid("releaseLock", id);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return new Held(module, id);
    }

    /// <inheritdoc />
    public void Dispose() => _tabOnly.Dispose();

    private sealed class Held(IJSInProcessObjectReference module, int id) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                try
                {
                    module.InvokeVoid("releaseLock", id);
                }
                catch (JSDisconnectedException)
                {
                    // The page is gone, and with it the lock.
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
