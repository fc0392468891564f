import type { DataKind } from './types.js';

const CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

// The fine labels in the order of CIFAR-100's fine_label_names.txt (torchvision's classes).
const CIFAR100 = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle ' +
  'caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish ' +
  'forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle ' +
  'mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine ' +
  'possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar ' +
  'sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale ' +
  'willow_tree wolf woman worm'
).split(' ');

/**
 * Class names in label order for the data kinds whose labels are fixed by the data set, so a
 * model trained elsewhere can name its predictions; ImageNet's 1000 synsets are left to the
 * user's own list (undefined).
 */
export function referenceClassNames(data: DataKind): readonly string[] | undefined {
  switch (data) {
    case 'cifar10':
      return CIFAR10;
    case 'cifar100':
      return CIFAR100;
    case 'imagenet':
      return undefined;
  }
}
