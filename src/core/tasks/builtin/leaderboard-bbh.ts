/**
 * leaderboard_bbh (lm-eval tasks/leaderboard/bbh_mc, §6.14): 24 BIG-Bench Hard subtasks of SaylorTwift/bbh as
 * multiple choice, 3-shot with fixed samples (`first_n` over `fewshot_config.samples`), acc_norm.
 *
 * The shots are not in the dataset (it has only a test split): they are BBH's own few-shot prompts without the
 * chain of thought, as lm-eval lists them in each subtask's YAML. The texts below were taken from those YAML files
 * (parsed with PyYAML), including their artefacts (literal `\xE4`, `\n` in salient_translation_error_detection).
 * Version drift, unverified against the pinned lm-eval commit: older task files end each description with '\n'
 * (snarks '\n\n'); lm-eval.md §4.2 says the current ones lack it ('…expression.Q: not …'), which is what evalz
 * uses (descriptions right-stripped), with the default target_delimiter ' ' its example shows ('A: False'), although
 * one version of `_fewshot_template_yaml` sets `target_delimiter: ""`.
 */
import type { GroupSpec, TaskSpec } from '../task-spec.ts'

/** One subtask's own fields. */
interface BbhSubtask {
  /** task description, prepended to the prompt with no separator */
  readonly description: string
  /** answer strings, in doc_to_choice order */
  readonly choices: readonly string[]
  /** the three shots: [input, target] */
  readonly samples: readonly (readonly [string, string])[]
}

const BBH: Readonly<Record<string, BbhSubtask>> = {
  boolean_expressions: {
    description: 'Evaluate the result of a random Boolean expression.',
    choices: ['False', 'True'],
    samples: [
      ['not ( ( not not True ) ) is', 'False'],
      ['True and False and not True and True is', 'False'],
      ['not not ( not ( False ) ) is', 'True'],
    ],
  },
  causal_judgement: {
    description: 'Answer questions about causal attribution.',
    choices: ['Yes', 'No'],
    samples: [
      ['How would a typical person answer each of the following questions about causation?\nFrank T., had an ongoing dispute with his neighbor over a stretch of land and one day decided to shoot his neighbor in the body. Frank T. had no experience with guns, his hand slipped on the barrel of the gun, and the shot went wild. Nonetheless, the bullet bounced off a large boulder several feet away and hit the neighbor\'s body, causing significant injury. Did Frank T. intentionally shoot his neighbor in the body?\nOptions:\n- Yes\n- No', 'No'],
      ['How would a typical person answer each of the following questions about causation?\nSuzy and Billy are working on a project that is very important for our nation\'s security. The boss tells them both: "Be sure that you are here at exactly 9 am. It is absolutely essential that you arrive at that time." Both Billy and Suzy arrive at 9 am. As it happens, there was a motion detector installed in the room where they arrived. The motion detector was set up to be triggered if at least one person appeared in the room at the same time. So the motion detector went off. Did Billy cause the motion detector to go off?\nOptions:\n- Yes\n- No', 'Yes'],
      ['How would a typical person answer each of the following questions about causation?\nGeorge and his sister Lena reunite at their parents\' house for Thanksgiving. Whereas George just got into medical school, Lena is unhappy in her marriage and recently lost her job. Over the course of the day, George and Lena get into a number of heated arguments. Later in the afternoon they play a game of darts. They split the first two games, and the third game is close until the end. Who will win comes down to George\'s last shot. If he hits a high point region, he wins; if he hits a low point region, Lena wins. George thinks of the difficult time Lena is having, and he really wants to let her win. He aims the dart at the low point region. He sets up his shot and the dart lands in the low point region. After his shot, Lena wins the game and is very happy. Did George hit the low point region intentionally?\nOptions:\n- Yes\n- No', 'Yes'],
    ],
  },
  date_understanding: {
    description: 'Infer the date from context.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)'],
    samples: [
      ['Today is Christmas Eve of 1937. What is the date 10 days ago in MM/DD/YYYY?\nOptions:\n(A) 12/14/2026\n(B) 12/14/1950\n(C) 12/14/2007\n(D) 12/14/1937\n(E) 07/14/1938\n(F) 12/14/1988', '(D)'],
      ['Tomorrow is 11/12/2019. What is the date one year ago from today in MM/DD/YYYY?\nOptions:\n(A) 09/04/2018\n(B) 11/11/2018\n(C) 08/25/2018\n(D) 11/02/2018\n(E) 11/04/2018', '(B)'],
      ['Jane and John married on Jan 2, 1958. It is their 5-year anniversary today. What is the date tomorrow in MM/DD/YYYY?\nOptions:\n(A) 01/11/1961\n(B) 01/03/1963\n(C) 01/18/1961\n(D) 10/14/1960\n(E) 01/03/1982\n(F) 12/03/1960', '(B)'],
    ],
  },
  disambiguation_qa: {
    description: 'Clarify the meaning of sentences with ambiguous pronouns.',
    choices: ['(A)', '(B)', '(C)'],
    samples: [
      ['In the following sentences, explain the antecedent of the pronoun (which thing the pronoun refers to), or state that it is ambiguous.\nSentence: The chief told the counselor that they took the day off.\nOptions:\n(A) The chief took the day off\n(B) The counselor took the day off\n(C) Ambiguous', '(A)'],
      ['In the following sentences, explain the antecedent of the pronoun (which thing the pronoun refers to), or state that it is ambiguous.\nSentence: The manager sent a message to the secretary, but he didn\'t reply yet.\nOptions:\n(A) The secretary didn\'t reply yet\n(B) The manager didn\'t reply yet\n(C) Ambiguous', '(A)'],
      ['In the following sentences, explain the antecedent of the pronoun (which thing the pronoun refers to), or state that it is ambiguous.\nSentence: Bailey will plan to meet the director at his office\nOptions:\n(A) It will be Bailey\'s office\n(B) It will be the director\'s office\n(C) Ambiguous', '(C)'],
    ],
  },
  formal_fallacies: {
    description: 'Distinguish deductively valid arguments from formal fallacies.',
    choices: ['valid', 'invalid'],
    samples: [
      ['"It is not always easy to see who is related to whom -- and in which ways. The following argument pertains to this question: To begin with, Lesley is a close friend of Fernando. Moreover, being a close friend of Fernando or a schoolmate of Lowell is sufficient for being a great-grandfather of Leroy. It follows that Lesley is a great-grandfather of Leroy."\nIs the argument, given the explicitly stated premises, deductively valid or invalid?\nOptions:\n- valid\n- invalid', 'valid'],
      ['"It is not always easy to see who is related to whom -- and in which ways. The following argument pertains to this question: Whoever is not a great-grandfather of Clyde is a stepbrother of Brian. Being an ancestor of Dana is sufficient for not being a great-grandfather of Clyde. We may conclude: Everyone who is an ancestor of Dana is a stepbrother of Brian, too."\nIs the argument, given the explicitly stated premises, deductively valid or invalid?\nOptions:\n- valid\n- invalid', 'valid'],
      ['"It is not always easy to grasp who is consuming which products. The following argument pertains to this question: Every infrequent user of Paul Mitchell shampoo is either a rare consumer of Nioxin shampoo or a loyal buyer of Caress soap, or both. No regular consumer of Lush soap is a rare consumer of Nioxin shampoo and, in the same time, a loyal buyer of Caress soap. It follows that whoever is an infrequent user of Paul Mitchell shampoo is not a regular consumer of Lush soap."\nIs the argument, given the explicitly stated premises, deductively valid or invalid?\nOptions:\n- valid\n- invalid', 'invalid'],
    ],
  },
  geometric_shapes: {
    description: 'Name geometric shapes from their SVG paths.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)', '(G)', '(H)', '(I)', '(J)', '(K)'],
    samples: [
      ['This SVG path element <path d="M 31.00,73.00 L 32.00,59.00 L 44.00,50.00 L 49.00,41.00 L 64.00,37.00 L 71.00,55.00 L 64.00,76.00 L 52.00,61.00 L 31.00,73.00"/> draws a\nOptions:\n(A) circle\n(B) heptagon\n(C) hexagon\n(D) kite\n(E) line\n(F) octagon\n(G) pentagon\n(H) rectangle\n(I) sector\n(J) triangle', '(F)'],
      ['This SVG path element <path d="M 14.19,26.04 L 51.43,39.21 L 58.44,36.69 L 56.63,30.17 L 48.53,26.66 L 14.19,26.04"/> draws a\nOptions:\n(A) circle\n(B) heptagon\n(C) hexagon\n(D) kite\n(E) line\n(F) octagon\n(G) pentagon\n(H) rectangle\n(I) sector\n(J) triangle', '(G)'],
      ['This SVG path element <path d="M 41.00,43.00 L 37.00,34.00 L 41.00,33.00 L 45.00,34.00 L 41.00,43.00"/> draws a\nOptions:\n(A) circle\n(B) heptagon\n(C) hexagon\n(D) kite\n(E) line\n(F) octagon\n(G) pentagon\n(H) rectangle\n(I) sector\n(J) triangle', '(D)'],
    ],
  },
  hyperbaton: {
    description: 'Order adjectives correctly in English sentences.',
    choices: ['(A)', '(B)'],
    samples: [
      ['Which sentence has the correct adjective order:\nOptions:\n(A) rubber terrible ship\n(B) terrible rubber ship', '(B)'],
      ['Which sentence has the correct adjective order:\nOptions:\n(A) repulsive small Brazilian exercise ship\n(B) Brazilian repulsive exercise small ship', '(A)'],
      ['Which sentence has the correct adjective order:\nOptions:\n(A) blue gold wonderful square shoe\n(B) wonderful square blue gold shoe', '(B)'],
    ],
  },
  logical_deduction_five_objects: {
    description: 'A logical deduction task which requires deducing the order of a sequence of objects.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)'],
    samples: [
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. In a golf tournament, there were three golfers: Amy, Eli, and Eve. Eve finished above Amy. Eli finished below Amy.\nOptions:\n(A) Amy finished last\n(B) Eli finished last\n(C) Eve finished last', '(B)'],
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a shelf, there are three books: a white book, a green book, and an orange book. The green book is to the right of the white book. The orange book is the rightmost.\nOptions:\n(A) The white book is the leftmost\n(B) The green book is the leftmost\n(C) The orange book is the leftmost', '(A)'],
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a shelf, there are three books: a red book, a gray book, and a white book. The white book is to the left of the gray book. The red book is the second from the left.\nOptions:\n(A) The red book is the leftmost\n(B) The gray book is the leftmost\n(C) The white book is the leftmost', '(C)'],
    ],
  },
  logical_deduction_seven_objects: {
    description: 'A logical deduction task which requires deducing the order of a sequence of objects.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)', '(G)'],
    samples: [
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. In a golf tournament, there were three golfers: Amy, Eli, and Eve. Eve finished above Amy. Eli finished below Amy.\nOptions:\n(A) Amy finished last\n(B) Eli finished last\n(C) Eve finished last', '(B)'],
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a shelf, there are three books: a white book, a green book, and an orange book. The green book is to the right of the white book. The orange book is the rightmost.\nOptions:\n(A) The white book is the leftmost\n(B) The green book is the leftmost\n(C) The orange book is the leftmost', '(A)'],
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a shelf, there are three books: a red book, a gray book, and a white book. The white book is to the left of the gray book. The red book is the second from the left.\nOptions:\n(A) The red book is the leftmost\n(B) The gray book is the leftmost\n(C) The white book is the leftmost', '(C)'],
    ],
  },
  logical_deduction_three_objects: {
    description: 'A logical deduction task which requires deducing the order of a sequence of objects.',
    choices: ['(A)', '(B)', '(C)'],
    samples: [
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. In a golf tournament, there were three golfers: Amy, Eli, and Eve. Eve finished above Amy. Eli finished below Amy.\nOptions:\n(A) Amy finished last\n(B) Eli finished last\n(C) Eve finished last', '(B)'],
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a shelf, there are three books: a white book, a green book, and an orange book. The green book is to the right of the white book. The orange book is the rightmost.\nOptions:\n(A) The white book is the leftmost\n(B) The green book is the leftmost\n(C) The orange book is the leftmost', '(A)'],
      ['The following paragraphs each describe a set of three objects arranged in a fixed order. The statements are logically consistent within each paragraph. On a shelf, there are three books: a red book, a gray book, and a white book. The white book is to the left of the gray book. The red book is the second from the left.\nOptions:\n(A) The red book is the leftmost\n(B) The gray book is the leftmost\n(C) The white book is the leftmost', '(C)'],
    ],
  },
  movie_recommendation: {
    description: 'Recommend movies similar to the given list of movies.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)'],
    samples: [
      ['Find a movie similar to Star Wars Episode IV - A New Hope, Indiana Jones and the Last Crusade, Star Wars Episode V - The Empire Strikes Back, The Big Lebowski:\nOptions:\n(A) Tetsuo\n(B) the Ironman\n(C) The Princess Bride\n(D) The Barkley Marathons The Race That Eats Its Young\n(E) Bug', '(C)'],
      ['Find a movie similar to Twister, The Silence of the Lambs, Independence Day, Braveheart:\nOptions:\n(A) They Shoot Horses\n(B) Don\'t They\n(C) Forrest Gump\n(D) The Salton Sea\n(E) Extreme Days', '(C)'],
      ['Find a movie similar to Minority Report, Total Recall, Inside Out, Forrest Gump:\nOptions:\n(A) Phenomena\n(B) Lilting\n(C) Catwoman\n(D) Edge of Tomorrow', '(D)'],
    ],
  },
  navigate: {
    description: 'Given a series of navigation instructions, determine whether one would end up back at the starting point.',
    choices: ['Yes', 'No'],
    samples: [
      ['If you follow these instructions, do you return to the starting point? Turn left. Turn around. Turn left. Take 7 steps. Take 2 steps. Take 4 steps. Take 8 steps.\nOptions:\n- Yes\n- No', 'No'],
      ['If you follow these instructions, do you return to the starting point? Turn around. Take 1 step. Take 6 steps. Turn around. Take 6 steps. Take 9 steps. Take 1 step.\nOptions:\n- Yes\n- No', 'No'],
      ['If you follow these instructions, do you return to the starting point? Always face forward. Take 2 steps right. Take 9 steps left. Take 7 steps right.\nOptions:\n- Yes\n- No', 'Yes'],
    ],
  },
  object_counting: {
    description: 'Questions that involve enumerating objects and asking the model to count them.',
    choices: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18'],
    samples: [
      ['I have a blackberry, a clarinet, a nectarine, a plum, a strawberry, a banana, a flute, an orange, and a violin. How many fruits do I have?', '6'],
      ['I have an orange, a raspberry, two peaches, a blackberry, an apple, a grape, a nectarine, and three plums. How many fruits do I have?', '11'],
      ['I have a lettuce head, a head of broccoli, an onion, a stalk of celery, two carrots, a garlic, and a yam. How many vegetables do I have?', '8'],
    ],
  },
  penguins_in_a_table: {
    description: 'Answer questions about a table of penguins and their attributes.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)'],
    samples: [
      ['Here is a table where the first line is a header and each subsequent line is a penguin:  name, age, height (cm), weight (kg) Louis, 7, 50, 11 Bernard, 5, 80, 13 Vincent, 9, 60, 11 Gwen, 8, 70, 15  For example: the age of Louis is 7, the weight of Gwen is 15 kg, the height of Bernard is 80 cm.  We now add a penguin to the table:\nJames, 12, 90, 12\nHow many penguins are less than 8 years old?\nOptions:\n(A) 1\n(B) 2\n(C) 3\n(D) 4\n(E) 5', '(B)'],
      ['Here is a table where the first line is a header and each subsequent line is a penguin:  name, age, height (cm), weight (kg) Louis, 7, 50, 11 Bernard, 5, 80, 13 Vincent, 9, 60, 11 Gwen, 8, 70, 15  For example: the age of Louis is 7, the weight of Gwen is 15 kg, the height of Bernard is 80 cm.  Which is the youngest penguin?\nOptions:\n(A) Louis\n(B) Bernard\n(C) Vincent\n(D) Gwen\n(E) James', '(B)'],
      ['Here is a table where the first line is a header and each subsequent line is a penguin:  name, age, height (cm), weight (kg) Louis, 7, 50, 11 Bernard, 5, 80, 13 Vincent, 9, 60, 11 Gwen, 8, 70, 15  For example: the age of Louis is 7, the weight of Gwen is 15 kg, the height of Bernard is 80 cm.  What is the name of the second penguin sorted by alphabetic order?\nOptions:\n(A) Louis\n(B) Bernard\n(C) Vincent\n(D) Gwen\n(E) James', '(D)'],
    ],
  },
  reasoning_about_colored_objects: {
    description: 'Answer extremely simple questions about the colors of objects on a surface.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)', '(G)', '(H)', '(I)', '(J)', '(K)', '(L)', '(M)', '(N)', '(O)', '(P)', '(Q)', '(R)'],
    samples: [
      ['On the nightstand, there is a red pencil, a purple mug, a burgundy keychain, a fuchsia teddy bear, a black plate, and a blue stress ball. What color is the stress ball?\nOptions:\n(A) red\n(B) orange\n(C) yellow\n(D) green\n(E) blue\n(F) brown\n(G) magenta\n(H) fuchsia\n(I) mauve\n(J) teal\n(K) turquoise\n(L) burgundy\n(M) silver\n(N) gold\n(O) black\n(P) grey\n(Q) purple\n(R) pink', '(E)'],
      ['On the table, you see a bunch of objects arranged in a row: a purple paperclip, a pink stress ball, a brown keychain, a green scrunchiephone charger, a mauve fidget spinner, and a burgundy pen. What is the color of the object directly to the right of the stress ball?\nOptions:\n(A) red\n(B) orange\n(C) yellow\n(D) green\n(E) blue\n(F) brown\n(G) magenta\n(H) fuchsia\n(I) mauve\n(J) teal\n(K) turquoise\n(L) burgundy\n(M) silver\n(N) gold\n(O) black\n(P) grey\n(Q) purple\n(R) pink', '(F)'],
      ['On the nightstand, you see the following items arranged in a row: a teal plate, a burgundy keychain, a yellow scrunchiephone charger, an orange mug, a pink notebook, and a grey cup. How many non-orange items do you see to the left of the teal item?\nOptions:\n(A) zero\n(B) one\n(C) two\n(D) three\n(E) four\n(F) five\n(G) six', '(A)'],
    ],
  },
  ruin_names: {
    description: 'Select the humorous edit that \'ruins\' the input movie or musical artist name.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)'],
    samples: [
      ['Which of the following is a humorous edit of this artist or movie name: \'whitesnake\'?\nOptions:\n(A) whitesnape\n(B) whitesnapke\n(C) whitesnuake\n(D) mwhitesnake', '(A)'],
      ['Which of the following is a humorous edit of this artist or movie name: \'one of our dinosaurs is missing\'?\nOptions:\n(A) ofne of our dinosaurs is missing\n(B) one af our dinosaurs is missing\n(C) one of our dinosaurs is pissing\n(D) one of our dinosaur is missing', '(C)'],
      ['Which of the following is a humorous edit of this artist or movie name: \'counting crows\'?\nOptions:\n(A) countingy crows\n(B) counting cows\n(C) courting crows\n(D) coutnting crows', '(B)'],
    ],
  },
  salient_translation_error_detection: {
    description: 'Detect the type of error in an English translation of a German source sentence.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)'],
    samples: [
      ['The following translations from German to English contain a particular error. That error will be one of the following types: Named Entities: An entity (names, places, locations, etc.) is changed to a different entity. Numerical Values: Numerical values (ordinals or cardinals), dates, and/or units are changed. Modifiers or Adjectives: The modifiers and adjectives pertaining to a noun are changed. Negation or Antonyms: Introduce or remove a negation or change comparatives to their antonyms. Facts: Trivial factual errors not pertaining to the above classes are introduced in the translations. Dropped Content: A significant clause in the translation is removed. Please identify that error.  Source: In der Liste der Baudenkmale in Lenzen (Elbe) sind alle Baudenkmale der brandenburgischen Stadt Lenzen (Elbe) und ihrer Ortsteile aufgelistet.\nTranslation: In the list of architectural monuments in Lenzen all architectural monuments of the Brandenburg city of Lenzen and its districts are listed.\nThe translation contains an error pertaining to\nOptions:\n(A) Modifiers or Adjectives\n(B) Numerical Values\n(C) Negation or Antonyms\n(D) Named Entities\n(E) Dropped Content\n(F) Facts', '(D)'],
      ['The following translations from German to English contain a particular error. That error will be one of the following types: Named Entities: An entity (names, places, locations, etc.) is changed to a different entity. Numerical Values: Numerical values (ordinals or cardinals), dates, and/or units are changed. Modifiers or Adjectives: The modifiers and adjectives pertaining to a noun are changed. Negation or Antonyms: Introduce or remove a negation or change comparatives to their antonyms. Facts: Trivial factual errors not pertaining to the above classes are introduced in the translations. Dropped Content: A significant clause in the translation is removed. Please identify that error.  Source: Auf dieser Seite sind die Baudenkm\\xE4ler der oberbayerischen Gro\\xDFen Kreisstadt Landsberg am Lech zusammengestellt.\nTranslation: On this page are compiled the architectural monuments of the town of Landsberg am Lech.\nThe translation contains an error pertaining to\nOptions:\n(A) Modifiers or Adjectives\n(B) Numerical Values\n(C) Negation or Antonyms\n(D) Named Entities\n(E) Dropped Content\n(F) Facts', '(E)'],
      ['The following translations from German to English contain a particular error. That error will be one of the following types: Named Entities: An entity (names, places, locations, etc.) is changed to a different entity. Numerical Values: Numerical values (ordinals or cardinals), dates, and/or units are changed. Modifiers or Adjectives: The modifiers and adjectives pertaining to a noun are changed. Negation or Antonyms: Introduce or remove a negation or change comparatives to their antonyms. Facts: Trivial factual errors not pertaining to the above classes are introduced in the translations. Dropped Content: A significant clause in the translation is removed. Please identify that error.  Source: \\u0141eba ist eine Kleinstadt und ein Badeort im Powiat L\\u0119borski der polnischen Woiwodschaft Pommern.\nTranslation: Eba is not a small town and seaside resort in the Powiat L\\xE9borski county of the Pomeranian Voivodeship of Poland.\\nThe translation contains an error pertaining to\nOptions:\n(A) Modifiers or Adjectives\n(B) Numerical Values\n(C) Negation or Antonyms\n(D) Named Entities\n(E) Dropped Content\n(F) Facts', '(C)'],
    ],
  },
  snarks: {
    description: 'Determine which of two sentences is sarcastic.\n\nAccording to Cambridge University Dictionary, sarcasm is "the use of remarks that clearly mean the opposite of what they say, made in order to hurt someone\'s feelings or to criticize something in a humorous way." Sarcastic sentences often contain satirical or ironic utterances, hyperboles, ambivalent or witty remarks.',
    choices: ['(A)', '(B)'],
    samples: [
      ['Which statement is sarcastic?\nOptions:\n(A) Yes, because having interests and actively researching them is a huge waste\n(B) Yes, because having interests and actively researching them is a huge deal', '(A)'],
      ['Which statement is sarcastic?\nOptions:\n(A) No one is going to disagree with you on this. Avoiding ad hominem attacks really help your case\n(B) No one is going to disagree with you on this. Ad hominem attacks really help your case', '(B)'],
      ['Which statement is sarcastic?\nOptions:\n(A) Consistency in the league\'s punishments? What do you think this is supposed to be, politics?\n(B) Consistency in the league\'s punishments? What do you think this is supposed to be, moral?', '(A)'],
    ],
  },
  sports_understanding: {
    description: 'Determine whether an artificially constructed sentence relating to sports is plausible or not.',
    choices: ['yes', 'no'],
    samples: [
      ['Is the following sentence plausible? "Bam Adebayo scored a reverse layup in the Western Conference Finals."', 'yes'],
      ['Is the following sentence plausible? "Santi Cazorla scored a touchdown."', 'no'],
      ['Is the following sentence plausible? "DeMar DeRozan was called for the goal tend."', 'yes'],
    ],
  },
  temporal_sequences: {
    description: 'Task description: Answer questions about which times certain events could have occurred.',
    choices: ['(A)', '(B)', '(C)', '(D)'],
    samples: [
      ['Today, Emily went to the museum. Between what times could they have gone?\nWe know that:\nEmily woke up at 1pm.\nElizabeth saw Emily reading at the library from 2pm to 4pm.\nJessica saw Emily watching a movie at the theater from 4pm to 5pm.\nLeslie saw Emily waiting at the airport from 5pm to 6pm.\nWilliam saw Emily buying clothes at the mall from 6pm to 7pm.\nThe museum was closed after 7pm.\nBetween what times could Emily have gone to the museum?\nOptions:\n(A) 1pm to 2pm\n(B) 6pm to 7pm\n(C) 5pm to 6pm\n(D) 2pm to 4pm', '(A)'],
      ['Today, Elizabeth went to the amusement park. Between what times could they have gone?\nWe know that:\nElizabeth woke up at 7am.\nDavid saw Elizabeth fixing their computer at the electronic store from 1pm to 2pm.\nSarah saw Elizabeth playing tennis at the tennis court from 2pm to 3pm.\nSusan saw Elizabeth walking towards the Statue of Liberty from 3pm to 6pm.\nAndrew saw Elizabeth taking photos near the Eiffel Tower from 6pm to 9pm.\nEmily saw Elizabeth getting a coffee at the cafe from 9pm to 10pm.\nThe amusement park was closed after 10pm.\nBetween what times could Elizabeth have gone to the amusement park?\nOptions:\n(A) 7am to 1pm\n(B) 9pm to 10pm\n(C) 1pm to 2pm\n(D) 3pm to 6pm', '(A)'],
      ['Today, Tiffany went to the beach. Between what times could they have gone?\nWe know that:\nTiffany woke up at 5am.\nBetty saw Tiffany getting a coffee at the cafe from 5am to 6am.\nJessica saw Tiffany working at the office from 6am to 9am.\nJohn saw Tiffany stretching at a yoga studio from 9am to 12pm.\nSean saw Tiffany sitting on a rooftop from 12pm to 2pm.\nSarah saw Tiffany playing tennis at the tennis court from 2pm to 3pm.\nThe beach was closed after 4pm.\nBetween what times could Tiffany have gone to the beach?\nOptions:\n(A) 9am to 12pm\n(B) 12pm to 2pm\n(C) 5am to 6am\n(D) 3pm to 4pm', '(D)'],
    ],
  },
  tracking_shuffled_objects_five_objects: {
    description: 'A task requiring determining the final positions of a set of objects given their initial positions and a description of a sequence of swaps.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)'],
    samples: [
      ['Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: Alice has a yellow ball, Bob has a blue ball, and Claire has a pink ball.\nAs the game progresses, pairs of players trade balls. First, Claire and Alice swap balls. Then, Alice and Bob swap balls. Finally, Claire and Bob swap balls. At the end of the game, Bob has the\nOptions:\n(A) yellow ball\n(B) blue ball\n(C) pink ball', '(A)'],
      ['Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: Alice has a white ball, Bob has a purple ball, and Claire has a pink ball.\nAs the game progresses, pairs of players trade balls. First, Bob and Alice swap balls. Then, Bob and Claire swap balls. Finally, Bob and Alice swap balls. At the end of the game, Alice has the\nOptions:\n(A) white ball\n(B) purple ball\n(C) pink ball', '(C)'],
      ['Alice, Bob, and Claire are dancers at a square dance. At the start of a song, they each have a partner: Alice is dancing with Lola, Bob is dancing with Rodrigo, and Claire is dancing with Patrick.\nThroughout the song, the dancers often trade partners. First, Alice and Bob switch partners. Then, Claire and Bob switch partners. Finally, Bob and Alice switch partners. At the end of the dance, Alice is dancing with\nOptions:\n(A) Lola\n(B) Rodrigo\n(C) Patrick', '(C)'],
    ],
  },
  tracking_shuffled_objects_seven_objects: {
    description: 'A task requiring determining the final positions of a set of objects given their initial positions and a description of a sequence of swaps.',
    choices: ['(A)', '(B)', '(C)', '(D)', '(E)', '(F)', '(G)'],
    samples: [
      ['Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: Alice has a yellow ball, Bob has a blue ball, and Claire has a pink ball.\nAs the game progresses, pairs of players trade balls. First, Claire and Alice swap balls. Then, Alice and Bob swap balls. Finally, Claire and Bob swap balls. At the end of the game, Bob has the\nOptions:\n(A) yellow ball\n(B) blue ball\n(C) pink ball', '(A)'],
      ['Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: Alice has a white ball, Bob has a purple ball, and Claire has a pink ball.\nAs the game progresses, pairs of players trade balls. First, Bob and Alice swap balls. Then, Bob and Claire swap balls. Finally, Bob and Alice swap balls. At the end of the game, Alice has the\nOptions:\n(A) white ball\n(B) purple ball\n(C) pink ball', '(C)'],
      ['Alice, Bob, and Claire are dancers at a square dance. At the start of a song, they each have a partner: Alice is dancing with Lola, Bob is dancing with Rodrigo, and Claire is dancing with Patrick.\nThroughout the song, the dancers often trade partners. First, Alice and Bob switch partners. Then, Claire and Bob switch partners. Finally, Bob and Alice switch partners. At the end of the dance, Alice is dancing with\nOptions:\n(A) Lola\n(B) Rodrigo\n(C) Patrick', '(C)'],
    ],
  },
  tracking_shuffled_objects_three_objects: {
    description: 'A task requiring determining the final positions of a set of objects given their initial positions and a description of a sequence of swaps.',
    choices: ['(A)', '(B)', '(C)'],
    samples: [
      ['Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: Alice has a yellow ball, Bob has a blue ball, and Claire has a pink ball.\nAs the game progresses, pairs of players trade balls. First, Claire and Alice swap balls. Then, Alice and Bob swap balls. Finally, Claire and Bob swap balls. At the end of the game, Bob has the\nOptions:\n(A) yellow ball\n(B) blue ball\n(C) pink ball', '(A)'],
      ['Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: Alice has a white ball, Bob has a purple ball, and Claire has a pink ball.\nAs the game progresses, pairs of players trade balls. First, Bob and Alice swap balls. Then, Bob and Claire swap balls. Finally, Bob and Alice swap balls. At the end of the game, Alice has the\nOptions:\n(A) white ball\n(B) purple ball\n(C) pink ball', '(C)'],
      ['Alice, Bob, and Claire are dancers at a square dance. At the start of a song, they each have a partner: Alice is dancing with Lola, Bob is dancing with Rodrigo, and Claire is dancing with Patrick.\nThroughout the song, the dancers often trade partners. First, Alice and Bob switch partners. Then, Claire and Bob switch partners. Finally, Bob and Alice switch partners. At the end of the dance, Alice is dancing with\nOptions:\n(A) Lola\n(B) Rodrigo\n(C) Patrick', '(C)'],
    ],
  },
  web_of_lies: {
    description: 'Evaluate a random boolean function expressed as a word problem.',
    choices: ['Yes', 'No'],
    samples: [
      ['Question: Fidel tells the truth. Jerry says Fidel tells the truth. Vina says Jerry tells the truth. Millicent says Vina lies. Raymond says Millicent lies. Does Raymond tell the truth?', 'Yes'],
      ['Question: Kristian lies. Millie says Kristian lies. Maybelle says Millie tells the truth. Fidel says Maybelle lies. Leda says Fidel lies. Does Leda tell the truth?', 'Yes'],
      ['Question: Kristian tells the truth. Michaela says Kristian lies. Raymond says Michaela tells the truth. Osvaldo says Raymond tells the truth. Jamey says Osvaldo tells the truth. Does Jamey tell the truth?', 'No'],
    ],
  },
}

/** The task for one subtask: `_fewshot_template_yaml` plus the subtask file. */
function bbhTask(name: string, sub: BbhSubtask): TaskSpec {
  return {
    task: `leaderboard_bbh_${name}`,
    dataset_path: 'SaylorTwift/bbh',
    dataset_name: name,
    output_type: 'multiple_choice',
    test_split: 'test',
    description: sub.description,
    doc_to_text: 'Q: {{input}}\nA:',
    doc_to_target: '{{target}}',
    doc_to_choice: sub.choices,
    num_fewshot: 3,
    fewshot_config: { sampler: 'first_n', samples: sub.samples.map(([input, target]) => ({ input, target })) },
    metric_list: [{ metric: 'acc_norm', aggregation: 'mean', higher_is_better: true }],
    metadata: { version: 1.0 },
  }
}

/** The 24 subtasks, in lm-eval's group order (alphabetical). */
export function leaderboardBbhTasks(): TaskSpec[] {
  return Object.entries(BBH).map(([name, sub]) => bbhTask(name, sub))
}

/** Group leaderboard_bbh: size-weighted acc_norm over the subtasks. */
export const LEADERBOARD_BBH: GroupSpec = {
  group: 'leaderboard_bbh',
  task: Object.keys(BBH).map(name => `leaderboard_bbh_${name}`),
  aggregate_metric_list: [{ metric: 'acc_norm', aggregation: 'mean', weight_by_size: true }],
}
