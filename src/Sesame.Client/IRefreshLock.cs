namespace Sesame.Client;

/// <summary>
/// The lock every client sharing one token store takes while refreshing (threads of a process, processes sharing a file, browser tabs).
/// It only needs to be exclusive; the refresh algorithm copes with a lock that cannot be taken in time (it re-checks the store and tries again).
/// </summary>
public interface IRefreshLock
{
    /// <summary>Tries to take the lock within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A handle that releases the lock when disposed, or null if the lock was not taken in time.</returns>
    ValueTask<IAsyncDisposable?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
