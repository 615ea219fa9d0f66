namespace Sesame.Client;

/// <summary>A token store that brings its own refresh lock (e.g. a file store shared by processes needs a cross-process lock).</summary>
public interface IRefreshLockProvider
{
    /// <summary>The lock every client sharing this store takes while refreshing.</summary>
    IRefreshLock RefreshLock { get; }
}
