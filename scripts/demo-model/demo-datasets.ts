/**
 * The demo datasets shipped under public/datasets/evalz/*: small, original content written for evalz
 * (simple facts and sentences), in the mirror layout `<dataset_path>/<config>/<split>.jsonl`.
 *
 * Run `npx tsx scripts/demo-model/demo-datasets.ts [datasetsDir]` to (re)write them.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRng } from './prng.ts'

/** One JSONL file of a demo dataset. */
export interface DemoDatasetFile {
  /** path relative to the datasets dir, e.g. 'evalz/demo-arith/default/test.jsonl' */
  path: string
  /** one JSON object per line */
  rows: Record<string, unknown>[]
}

/** Country, capital, then three other cities of the same country. */
const CAPITALS: [string, string, string, string, string][] = [
  ['France', 'Paris', 'Lyon', 'Marseille', 'Nice'],
  ['Germany', 'Berlin', 'Munich', 'Hamburg', 'Cologne'],
  ['Italy', 'Rome', 'Milan', 'Naples', 'Turin'],
  ['Spain', 'Madrid', 'Barcelona', 'Seville', 'Valencia'],
  ['Portugal', 'Lisbon', 'Porto', 'Braga', 'Coimbra'],
  ['Japan', 'Tokyo', 'Osaka', 'Kyoto', 'Yokohama'],
  ['China', 'Beijing', 'Shanghai', 'Guangzhou', 'Shenzhen'],
  ['India', 'New Delhi', 'Mumbai', 'Kolkata', 'Bangalore'],
  ['Australia', 'Canberra', 'Sydney', 'Melbourne', 'Perth'],
  ['Canada', 'Ottawa', 'Toronto', 'Vancouver', 'Montreal'],
  ['Brazil', 'Brasília', 'Rio de Janeiro', 'São Paulo', 'Salvador'],
  ['Turkey', 'Ankara', 'Istanbul', 'Izmir', 'Bursa'],
  ['Egypt', 'Cairo', 'Alexandria', 'Giza', 'Luxor'],
  ['Nigeria', 'Abuja', 'Lagos', 'Kano', 'Ibadan'],
  ['Kenya', 'Nairobi', 'Mombasa', 'Kisumu', 'Nakuru'],
  ['Morocco', 'Rabat', 'Casablanca', 'Marrakesh', 'Fez'],
  ['United States', 'Washington, D.C.', 'New York', 'Los Angeles', 'Chicago'],
  ['Mexico', 'Mexico City', 'Guadalajara', 'Monterrey', 'Puebla'],
  ['Argentina', 'Buenos Aires', 'Córdoba', 'Rosario', 'Mendoza'],
  ['Chile', 'Santiago', 'Valparaíso', 'Concepción', 'Antofagasta'],
  ['Peru', 'Lima', 'Cusco', 'Arequipa', 'Trujillo'],
  ['Colombia', 'Bogotá', 'Medellín', 'Cali', 'Cartagena'],
  ['Russia', 'Moscow', 'Saint Petersburg', 'Novosibirsk', 'Kazan'],
  ['Poland', 'Warsaw', 'Kraków', 'Gdańsk', 'Wrocław'],
  ['Belgium', 'Brussels', 'Antwerp', 'Ghent', 'Bruges'],
  ['Switzerland', 'Bern', 'Zurich', 'Geneva', 'Basel'],
  ['Austria', 'Vienna', 'Salzburg', 'Graz', 'Innsbruck'],
  ['Sweden', 'Stockholm', 'Gothenburg', 'Malmö', 'Uppsala'],
  ['Norway', 'Oslo', 'Bergen', 'Trondheim', 'Stavanger'],
  ['Denmark', 'Copenhagen', 'Aarhus', 'Odense', 'Aalborg'],
  ['Finland', 'Helsinki', 'Tampere', 'Turku', 'Oulu'],
  ['Greece', 'Athens', 'Thessaloniki', 'Patras', 'Heraklion'],
  ['Ireland', 'Dublin', 'Cork', 'Galway', 'Limerick'],
  ['United Kingdom', 'London', 'Manchester', 'Birmingham', 'Liverpool'],
  ['South Korea', 'Seoul', 'Busan', 'Incheon', 'Daegu'],
  ['Vietnam', 'Hanoi', 'Ho Chi Minh City', 'Da Nang', 'Haiphong'],
  ['Thailand', 'Bangkok', 'Chiang Mai', 'Phuket', 'Pattaya'],
  ['Pakistan', 'Islamabad', 'Karachi', 'Lahore', 'Peshawar'],
  ['New Zealand', 'Wellington', 'Auckland', 'Christchurch', 'Hamilton'],
  ['Czech Republic', 'Prague', 'Brno', 'Ostrava', 'Plzeň'],
  ['Hungary', 'Budapest', 'Debrecen', 'Szeged', 'Pécs'],
  ['Ukraine', 'Kyiv', 'Kharkiv', 'Odesa', 'Lviv'],
  ['Saudi Arabia', 'Riyadh', 'Jeddah', 'Mecca', 'Dammam'],
  ['Iran', 'Tehran', 'Isfahan', 'Shiraz', 'Tabriz'],
  ['Cuba', 'Havana', 'Santiago de Cuba', 'Camagüey', 'Holguín'],
  ['Ethiopia', 'Addis Ababa', 'Dire Dawa', 'Gondar', 'Mekelle'],
  ['Ghana', 'Accra', 'Kumasi', 'Tamale', 'Takoradi'],
  ['Iceland', 'Reykjavík', 'Akureyri', 'Kópavogur', 'Hafnarfjörður'],
]

/** Sentences whose last word is easy to guess from the rest. */
const CLOZE = [
  'The cat sat on the mat',
  'The sun rises in the east',
  'Birds fly high in the sky',
  'Fish swim in the water',
  'Two plus two equals four',
  'Ice is frozen water',
  'At night we can see the moon',
  'A week has seven days',
  'Bees make sweet honey',
  'Cows give us milk',
  'We borrow books from the library',
  'The opposite of hot is cold',
  'Fresh snow is white',
  'The grass in spring is green',
  'On a clear day the sky is blue',
  'A year has twelve months',
  'You wear shoes on your feet',
  'Rain falls from the clouds',
  'Apples grow on trees',
  'At the end of the day we sleep in a bed',
  'The first letter of the alphabet is A',
  'She opened the locked door with a key',
  'He wrote his name with a pen',
  'A triangle has three sides',
  'Spiders have eight legs',
  'Breakfast is the first meal of the day',
  'The opposite of up is down',
  'We hear with our ears',
  'A baby dog is called a puppy',
  'Water turns to steam when it gets very hot',
  'The color of a ripe banana is yellow',
  'We use an umbrella when it starts to rain',
]

/** Short original paragraphs; some span several lines. */
const STORIES = [
  'Mira found a small green frog on the garden path. She carried it to the pond, and it jumped in with a quiet splash.',
  'The baker woke before sunrise.\nBy six o\'clock the shop smelled of warm bread, and the first customers were already waiting at the door.',
  'Tom wanted to build a kite. He used two sticks, a sheet of paper and a long piece of string. On the first windy day it flew above the trees.',
  'Every morning the old lighthouse keeper climbed one hundred steps. From the top he could see the fishing boats coming home.',
  'The library was quiet except for the ticking clock.\nLena turned the last page of her book and smiled.\nShe would come back tomorrow for the next one.',
  'A fox and a crow shared a field. The crow liked the tall oak tree, and the fox liked the shade beneath it.',
  'When the snow melted, the river grew wide and fast. The children watched from the bridge as pieces of ice floated past.',
  'Sam planted seven seeds in seven small pots. After two weeks, five of them had sprouted, and he moved them to the window.',
  'The train left the station at noon.\nOutside the window, fields of yellow flowers rolled by for hours.',
  'Grandma kept her buttons in an old tin box. On rainy days we sorted them by color and size.',
  'The robot in the museum could say hello in ten languages. Most visitors asked it to say goodbye as well.',
  'Nora counted the stars from her tent.\nShe reached forty before she fell asleep, and in the morning the sky was full of clouds.',
]

/** Generic English for tokenizer training (not a dataset). */
export const GENERIC_ENGLISH = [
  'The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a single step.',
  'Question: What is the capital of the country? Answer: The answer is one of the choices below.',
  'In the morning the people of the town went to work, the children went to school, and the shops opened their doors.',
  'It is important to read the question carefully, think about each option, and then choose the best answer.',
  'Numbers such as 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100 and 1000 appear in many questions about arithmetic.',
  'She said that they would have been there if they had known. We\'re sure it\'s true, and I\'ll tell you why they\'ve left.',
  'The weather was cold and wet, but the students walked to the station together, talking about their favourite books.',
  'A computer program reads input, follows a list of instructions, and writes output. Good programs are easy to understand.',
]

function arithmeticRows(seed: number, count: number): Record<string, unknown>[] {
  const rng = createRng(seed)
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < count; i++) {
    const op = i % 3
    if (op === 0) {
      const a = 1 + rng.int(20)
      const b = 1 + rng.int(20)
      rows.push({ question: `What is ${a} plus ${b}?`, answer: String(a + b) })
    } else if (op === 1) {
      const a = 5 + rng.int(26)
      const b = 1 + rng.int(a)
      rows.push({ question: `What is ${a} minus ${b}?`, answer: String(a - b) })
    } else {
      const a = 2 + rng.int(9)
      const b = 2 + rng.int(9)
      rows.push({ question: `What is ${a} times ${b}?`, answer: String(a * b) })
    }
  }
  return rows
}

function capitalRows(entries: typeof CAPITALS, offset: number): Record<string, unknown>[] {
  return entries.map(([country, capital, ...others], i) => {
    // the capital's slot cycles 0,1,2,3 with a stride that differs from 1 so neighbours differ
    const answer = ((i + offset) * 3) % 4
    const choices = [...others]
    choices.splice(answer, 0, capital)
    return { country, choices, answer }
  })
}

/** All demo dataset files, in a fixed order. */
export function demoDatasetFiles(): DemoDatasetFile[] {
  return [
    { path: 'evalz/demo-capitals/default/train.jsonl', rows: capitalRows(CAPITALS.slice(0, 8), 0) },
    { path: 'evalz/demo-capitals/default/test.jsonl', rows: capitalRows(CAPITALS.slice(8), 1) },
    { path: 'evalz/demo-arith/default/train.jsonl', rows: arithmeticRows(101, 8) },
    { path: 'evalz/demo-arith/default/test.jsonl', rows: arithmeticRows(202, 30) },
    { path: 'evalz/demo-cloze/default/test.jsonl', rows: CLOZE.map((text) => ({ text })) },
    { path: 'evalz/demo-stories/default/test.jsonl', rows: STORIES.map((text) => ({ text })) },
  ]
}

/** JSONL text of one file: one compact JSON object per line, newline-terminated. */
export function toJsonl(rows: readonly Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
}

/** Writes every demo dataset file under `datasetsDir`. */
export async function writeDemoDatasets(datasetsDir: string): Promise<void> {
  for (const f of demoDatasetFiles()) {
    const path = join(datasetsDir, f.path)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, toJsonl(f.rows))
  }
}

// Run as a script (directly or through a loader): the argument after this file is the datasets dir.
const self = fileURLToPath(import.meta.url)
const argAt = process.argv.findIndex((a, i) => i > 0 && resolve(a) === self)
if (argAt > 0) {
  await writeDemoDatasets(resolve(process.argv[argAt + 1] ?? join(dirname(self), '../../public/datasets')))
}
