#if !NET9_0_OR_GREATER
namespace System.Threading;

/// <summary>
/// .NET 8 stand-in for the .NET 9 <c>System.Threading.Lock</c>: the same <c>lock (gate)</c> statements compile on both
/// targets (the compiler lowers them to <see cref="EnterScope"/>), .NET 8 takes a monitor, .NET 9+ the real Lock.
/// </summary>
internal sealed class Lock
{
    private readonly object _monitor = new();

    /// <summary>Enters the lock; the returned scope exits it when disposed.</summary>
    public Scope EnterScope()
    {
        Monitor.Enter(_monitor);
        return new Scope(_monitor);
    }

    /// <summary>A held lock, released by <see cref="Dispose"/>.</summary>
    public ref struct Scope
    {
        private readonly object _monitor;

        internal Scope(object monitor) => _monitor = monitor;

        /// <summary>Exits the lock.</summary>
        public readonly void Dispose() => Monitor.Exit(_monitor);
    }
}
#endif
