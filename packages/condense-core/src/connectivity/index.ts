export { learnedConnectivity, type LayerConnectivity, type SourceLayer } from './learned-connectivity.js';
