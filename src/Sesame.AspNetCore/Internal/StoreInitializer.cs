using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>Runs <see cref="ISessionStore.InitializeAsync"/> once; every store user awaits it (a completed task after start-up).</summary>
internal sealed class StoreInitializer(ISessionStore store)
{
    private readonly Lock _gate = new();
    private volatile Task? _initialized;

    public Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized is { IsCompletedSuccessfully: true } done)
        {
            return done;
        }

        lock (_gate)
        {
            // A failed attempt (database down at start) is retried by the next caller.
            if (_initialized is null || _initialized.IsFaulted || _initialized.IsCanceled)
            {
                _initialized = store.InitializeAsync(cancellationToken);
            }

            return _initialized;
        }
    }
}
