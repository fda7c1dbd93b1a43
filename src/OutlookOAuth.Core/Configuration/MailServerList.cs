using System.Collections.ObjectModel;

namespace OutlookOAuth.Configuration;

/// <summary>
/// The servers of one direction, in file order, indexed by name (case-insensitive) so <see cref="Find"/> is O(1)
/// for 10,000-server files and large pipelines. The index follows every change: adding, removing and replacing
/// through the list, and renaming a server it holds (<see cref="MailServer.Name"/> tells its list).
/// </summary>
public sealed class MailServerList<TServer> : Collection<TServer>, IMailServerOwner where TServer : MailServer
{
    readonly Dictionary<string, TServer> _byName = new(StringComparer.OrdinalIgnoreCase);

    public MailServerList() : base(new List<TServer>()) { }

    /// <summary>The server of that name (case-insensitive), or null; with several of one name, the first.</summary>
    public TServer? Find(string name) => _byName.GetValueOrDefault(name);

    public void AddRange(IEnumerable<TServer> servers)
    {
        foreach (var s in servers) Add(s);
    }

    protected override void InsertItem(int index, TServer item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
        Adopt(item, appended: index == Count - 1);
    }

    protected override void SetItem(int index, TServer item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var old = this[index];
        base.SetItem(index, item);
        Release(old, old.Name);
        Adopt(item, appended: false);
    }

    protected override void RemoveItem(int index)
    {
        var old = this[index];
        base.RemoveItem(index);
        Release(old, old.Name);
    }

    protected override void ClearItems()
    {
        foreach (var s in this) if (ReferenceEquals(s.Owner, this)) s.Owner = null;
        base.ClearItems();
        _byName.Clear();
    }

    void IMailServerOwner.Renamed(MailServer server, string oldName)
    {
        var s = (TServer)server;
        Unmap(s, oldName);
        Map(s, appended: false);
    }

    void Adopt(TServer item, bool appended)
    {
        item.Owner = this;
        Map(item, appended);
    }

    void Release(TServer item, string name)
    {
        if (ReferenceEquals(item.Owner, this) && !Items.Contains(item)) item.Owner = null;
        Unmap(item, name);
    }

    /// <summary>Indexes <paramref name="item"/> unless an earlier server already holds its name.</summary>
    void Map(TServer item, bool appended)
    {
        if (!_byName.TryGetValue(item.Name, out var holder) || ReferenceEquals(holder, item)) { _byName[item.Name] = item; return; }
        // Two servers of one name (a file being repaired, a test): the first in the list wins, as a scan would.
        if (!appended && Items.IndexOf(item) < Items.IndexOf(holder)) _byName[item.Name] = item;
    }

    /// <summary>Drops the entry of <paramref name="name"/> when it points to <paramref name="item"/>, handing it
    /// to the next server of that name, if any (duplicates only: the scan is the rare path).</summary>
    void Unmap(TServer item, string name)
    {
        if (!_byName.TryGetValue(name, out var holder) || !ReferenceEquals(holder, item)) return;
        _byName.Remove(name);
        foreach (var s in Items)
            if (!ReferenceEquals(s, item) && string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) { _byName[name] = s; return; }
    }
}
