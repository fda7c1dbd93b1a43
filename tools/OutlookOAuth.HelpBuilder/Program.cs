using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

// Usage: OutlookOAuth.HelpBuilder <OutlookOAuth.dll> <OutlookOAuth.xml> <dependencies dir> <output OutlookOAuth.dll-Help.xml>
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: OutlookOAuth.HelpBuilder <cmdlet dll> <xml docs> <dependencies dir> <output maml>");
    return 2;
}
var (dllPath, docsPath, depsDir, output) = (args[0], args[1], args[2], args[3]);

XNamespace msh = "http://msh", maml = "http://schemas.microsoft.com/maml/2004/10",
    command = "http://schemas.microsoft.com/maml/dev/command/2004/10", dev = "http://schemas.microsoft.com/maml/dev/2004/10";
const string Sma = "System.Management.Automation.";

var paths = Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "*.dll")
    .Append(Path.Combine(AppContext.BaseDirectory, "System.Management.Automation.dll"))
    .Concat(Directory.GetFiles(depsDir, "*.dll")).Append(dllPath)
    .GroupBy(Path.GetFileNameWithoutExtension, StringComparer.OrdinalIgnoreCase).Select(g => g.Last());
using var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Runtime");
var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(dllPath));
var docs = XDocument.Load(docsPath).Descendants("member").ToDictionary(m => (string)m.Attribute("name")!);

static string Clean(string? text) => Regex.Replace(text ?? "", @"\s+", " ").Trim();
string DocText(XElement? e) => e is null ? "" : Clean(string.Concat(e.Nodes().Select(n => n switch
{
    XText t => t.Value,
    XElement { Name.LocalName: "see" } s => ((string?)s.Attribute("cref"))?.Split('.', ':').Last() ?? s.Value,
    XElement x => x.Value,
    _ => "",
})));
XElement Paras(params string[] texts) => new(maml + "description", texts.Where(t => t.Length > 0).Select(t => new XElement(maml + "para", t)));
static CustomAttributeData? Attr(MemberInfo m, string name) => m.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + name);
static T? Named<T>(CustomAttributeData a, string name) => a.NamedArguments.Where(n => n.MemberName == name).Select(n => (T?)n.TypedValue.Value).FirstOrDefault();
// Types come from MetadataLoadContext, so Nullable.GetUnderlyingType (which compares with this runtime's Nullable<>)
// never sees them: unwrap Nullable<T> by name, or help prints "Nullable`1" where an admin expects "Int32".
static Type Unwrapped(Type t) => t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? t.GetGenericArguments()[0] : t;
static string TypeName(Type t) => Unwrapped(t).Name;
static string FullTypeName(Type t) => Unwrapped(t).FullName ?? Unwrapped(t).Name;

var commands = new List<XElement>();
foreach (var type in assembly.GetTypes().Where(t => Attr(t, "CmdletAttribute") is not null).OrderBy(t => t.Name))
{
    var cmdlet = Attr(type, "CmdletAttribute")!;
    var (verb, noun) = ((string)cmdlet.ConstructorArguments[0].Value!, (string)cmdlet.ConstructorArguments[1].Value!);
    var name = $"{verb}-{noun}";
    var typeDoc = docs.GetValueOrDefault("T:" + type.FullName);
    var summary = typeDoc?.Element("summary");
    var synopsis = DocText(summary?.Elements("para").FirstOrDefault(p => (string?)p.Attribute("type") == "synopsis") ?? summary);
    var description = DocText(summary?.Elements("para").FirstOrDefault(p => (string?)p.Attribute("type") == "description"));

    var parameters = new List<(PropertyInfo Property, CustomAttributeData Parameter)>();
    foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        foreach (var a in p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute"))
            if (!Named<bool>(a, "DontShow")) parameters.Add((p, a));

    string Pipeline(CustomAttributeData a) =>
        (Named<bool>(a, "ValueFromPipeline"), Named<bool>(a, "ValueFromPipelineByPropertyName")) switch
        {
            (true, true) => "True (ByValue, ByPropertyName)", (true, false) => "True (ByValue)", (false, true) => "True (ByPropertyName)", _ => "False",
        };
    string Position(CustomAttributeData a) => a.NamedArguments.Any(n => n.MemberName == "Position") ? Named<int>(a, "Position").ToString() : "named";
    XElement Parameter((PropertyInfo Property, CustomAttributeData Parameter) p, bool full)
    {
        var aliases = Attr(p.Property, "AliasAttribute") is { } al
            ? string.Join(", ", ((IEnumerable<CustomAttributeTypedArgument>)al.ConstructorArguments[0].Value!).Select(v => (string)v.Value!)) : "none";
        var doc = DocText(docs.GetValueOrDefault($"P:{p.Property.DeclaringType!.FullName}.{p.Property.Name}")?.Element("summary"));
        var isSwitch = p.Property.PropertyType.Name == "SwitchParameter";
        var e = new XElement(command + "parameter",
            new XAttribute("required", Named<bool>(p.Parameter, "Mandatory").ToString().ToLowerInvariant()),
            new XAttribute("globbing", (Attr(p.Property, "SupportsWildcardsAttribute") is not null).ToString().ToLowerInvariant()),
            new XAttribute("pipelineInput", Pipeline(p.Parameter)), new XAttribute("position", Position(p.Parameter)), new XAttribute("aliases", aliases),
            new XElement(maml + "name", p.Property.Name));
        if (full) e.Add(Paras(doc));
        if (!isSwitch) e.Add(new XElement(command + "parameterValue", new XAttribute("required", "true"), TypeName(p.Property.PropertyType)));
        if (full) e.Add(new XElement(dev + "type", new XElement(maml + "name", FullTypeName(p.Property.PropertyType))));
        return e;
    }

    var sets = parameters.Select(p => Named<string>(p.Parameter, "ParameterSetName") ?? "__AllParameterSets").Distinct().ToList();
    var named = sets.Where(s => s != "__AllParameterSets").DefaultIfEmpty("__AllParameterSets");
    var syntax = new XElement(command + "syntax", named.Select(set => new XElement(command + "syntaxItem", new XElement(maml + "name", name),
        parameters.Where(p => (Named<string>(p.Parameter, "ParameterSetName") ?? "__AllParameterSets") is var s && (s == set || s == "__AllParameterSets"))
                  .Select(p => Parameter(p, full: false)))));

    var outputs = type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
        .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => ((Type)v.Value!).FullName!));
    var examples = (typeDoc?.Elements("example") ?? []).Select((x, i) => new XElement(command + "example",
        new XElement(maml + "title", $"-------------------------- Example {i + 1} --------------------------"),
        new XElement(dev + "code", (x.Element("code")?.Value ?? "").Trim()),
        new XElement(dev + "remarks", x.Elements("para").Select(p => new XElement(maml + "para", DocText(p))))));

    commands.Add(new XElement(command + "command",
        new XAttribute(XNamespace.Xmlns + "maml", maml), new XAttribute(XNamespace.Xmlns + "command", command), new XAttribute(XNamespace.Xmlns + "dev", dev),
        new XElement(command + "details", new XElement(command + "name", name), new XElement(command + "verb", verb), new XElement(command + "noun", noun), Paras(synopsis)),
        Paras(description.Length > 0 ? description : synopsis),
        syntax,
        new XElement(command + "parameters", parameters.GroupBy(p => p.Property.Name).Select(g => Parameter(g.First(), full: true))),
        new XElement(command + "inputTypes", new XElement(command + "inputType", new XElement(dev + "type", new XElement(maml + "name",
            parameters.Any(p => Named<bool>(p.Parameter, "ValueFromPipeline") || Named<bool>(p.Parameter, "ValueFromPipelineByPropertyName"))
                ? "Objects with properties named like the parameters (for example rows of Import-Csv, or the module's server objects)" : "None")))),
        new XElement(command + "returnValues", outputs.Select(o => new XElement(command + "returnValue", new XElement(dev + "type", new XElement(maml + "name", o))))),
        new XElement(command + "examples", examples),
        new XElement(command + "relatedLinks", new XElement(maml + "navigationLink", new XElement(maml + "linkText", "about OutlookOAuth: README.md and docs/ in the source repository")))));
}

var doc = new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement(msh + "helpItems", new XAttribute("schema", "maml"), commands));
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
doc.Save(output);
Console.WriteLine($"{commands.Count} commands -> {output}");
return 0;
