/**
 * Reserved words of the languages a docs team's code is most often in (C, C++, C#, Java, JavaScript and
 * TypeScript, Python), as each writes them (`None`, not `none`), leaving out those that are also common API names
 * (`map`, `range`, `type`, `string`, `delete`, `lock`). A keyword is syntax, not a name the docs define for this
 * code: hovering `static` or `import` shows nothing, as a language's own hover does not.
 */
export const LANGUAGE_KEYWORDS: ReadonlySet<string> = new Set(
  [
    // C and C++
    'alignas alignof asm auto bool break case catch char class const consteval constexpr constinit const_cast continue',
    'co_await co_return co_yield decltype default do double dynamic_cast else enum explicit export extern false float',
    'for friend goto if inline int long mutable namespace new noexcept nullptr operator private protected public',
    'register reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch',
    'template this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile',
    'wchar_t while',
    // C# and Java
    'abstract checked foreach implicit interface readonly sbyte sealed stackalloc uint ulong unchecked unsafe ushort',
    'boolean extends final finally implements import instanceof strictfp super synchronized throws transient',
    // JavaScript and TypeScript
    'await debugger function let typeof var yield keyof',
    // Python
    'False None True and as assert async def del elif except from global lambda nonlocal not or pass raise',
  ]
    .join(' ')
    .split(' '),
);
